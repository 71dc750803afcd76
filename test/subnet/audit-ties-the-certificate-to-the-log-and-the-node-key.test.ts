import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import {
  auditDataDir,
  bootstrapDevelopmentRegistry,
  type Certificate,
  chainHash,
  coreApps,
  dataFiles,
  Executor,
  encodeBlockEntries,
  genesisHash,
  loadOrCreateSigningKey,
  Subnet,
  signCheckpoint,
  splitBlockEntries,
  toHex,
} from '../../src/subnet/index.ts';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function bootstrappedFolder(puts: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'watan-audit-'));
  dirs.push(dir);
  const subnet = await Subnet.open({ dataDir: dir, apps: coreApps });
  await bootstrapDevelopmentRegistry(subnet, { operator: 't', dataCentre: 't', province: 'Punjab', jurisdiction: 'PK' });
  for (let i = 0; i < puts; i++) await subnet.submit({ app: 'kv', method: 'put', args: { key: `k${i}`, value: `v${i}` }, caller: 't' });
  await subnet.close();
  assert.deepEqual(auditDataDir(dir, coreApps).findings, [], 'the untouched folder audits clean');
  return dir;
}

function withDb<T>(path: string, edit: (db: Database.Database) => T): T {
  const db = new Database(path);
  try {
    return edit(db);
  } finally {
    db.close();
  }
}

test('an audit notices a log whose last block was deleted', async () => {
  const dir = await bootstrappedFolder(3);
  withDb(dataFiles(dir).log, (db) => db.prepare('DELETE FROM blocks WHERE block = (SELECT max(block) FROM blocks)').run());
  const { ok, findings } = auditDataDir(dir, coreApps);
  assert.equal(ok, false);
  assert.ok(
    findings.some((f) => /log ends at height \d+, before the certified height/.test(f)),
    findings.join('\n'),
  );
});

test('an audit notices history rewritten and re-chained from the altered command on', async () => {
  const dir = await bootstrappedFolder(3);
  withDb(dataFiles(dir).log, (db) => {
    const rows = db
      .prepare<[], { block: number; first_height: number; entries: Buffer }>(
        'SELECT block, first_height, entries FROM blocks ORDER BY block',
      )
      .all();
    let previous = genesisHash('watan-dev');
    for (const row of rows) {
      const entries = splitBlockEntries(row.entries).map(({ bytes }, i) => {
        const rewritten = Buffer.from(bytes.toString('utf8').replace('"v1"', '"rewritten"'));
        previous = chainHash(previous, row.first_height + i, row.block, rewritten);
        return { bytes: rewritten, hash: previous };
      });
      db.prepare('UPDATE blocks SET entries = ? WHERE block = ?').run(encodeBlockEntries(entries), row.block);
    }
  });
  const { ok, findings } = auditDataDir(dir, coreApps);
  assert.equal(ok, false);
  assert.ok(
    findings.some((f) => /history rewritten/.test(f)),
    findings.join('\n'),
  );
});

test('an audit refuses a folder re-signed by someone without its node key', async () => {
  const dir = await bootstrappedFolder(2);
  const intruder = loadOrCreateSigningKey(join(dir, '..', `${dir.split('/').at(-1)}-intruder.key`));
  withDb(dataFiles(dir).state, (db) => {
    db.prepare("UPDATE app_kv__entries SET value = 'forged' WHERE key = 'k0'").run();
    db.prepare('UPDATE app_registry__nodes SET node_id = ?').run(intruder.id);
    const lthash = new Executor({ db, subnetId: 'watan-dev', apps: coreApps }).scanLtHash();
    db.prepare("UPDATE watan_meta SET value = ? WHERE key = 'lthash'").run(lthash.bytes());
    const row = db
      .prepare<[], { block: number; certificate: string }>('SELECT block, certificate FROM watan_certificates ORDER BY block DESC LIMIT 1')
      .get();
    assert.ok(row);
    const { checkpoint } = JSON.parse(row.certificate) as Certificate;
    const forged = { ...checkpoint, digest: toHex(lthash.digest()) };
    const signature = signCheckpoint(forged, intruder);
    const certificate: Certificate = { checkpoint: forged, signatures: [signature], members: [intruder.id] };
    db.prepare('UPDATE watan_certificates SET certificate = ? WHERE block = ?').run(JSON.stringify(certificate), row.block);
    db.prepare('UPDATE watan_checkpoints SET checkpoint = ?, signature = ? WHERE block = ?').run(
      JSON.stringify(forged),
      JSON.stringify(signature),
      row.block,
    );
  });
  rmSync(join(dir, '..', `${dir.split('/').at(-1)}-intruder.key`));
  const { ok, findings } = auditDataDir(dir, coreApps);
  assert.equal(ok, false);
  assert.ok(
    findings.some((f) => /not signed by this folder's node key/.test(f)),
    findings.join('\n'),
  );
  assert.ok(
    findings.some((f) => /valid governance attestation/.test(f)),
    findings.join('\n'),
  );
});

test('an audit beside a node that keeps committing sees one consistent moment and finds nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'watan-audit-live-'));
  dirs.push(dir);
  const child = spawn(process.execPath, [new URL('../fixtures/kv-load-child.ts', import.meta.url).pathname, dir, 'live'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    let acks = 0;
    for await (const line of createInterface({ input: child.stdout })) {
      if (line.startsWith('ack ') && ++acks === 200) break;
    }
    for (let i = 0; i < 10; i++) {
      assert.deepEqual(auditDataDir(dir, coreApps).findings, [], `audit ${i} beside a live node`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    child.kill('SIGKILL');
  }
});
