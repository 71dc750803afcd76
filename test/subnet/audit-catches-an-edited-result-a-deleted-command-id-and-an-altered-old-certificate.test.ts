import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type Database from 'better-sqlite3';
import { auditDataDir, bootstrapDevelopmentRegistry, coreApps, dataFiles, Subnet } from '../../src/subnet/index.ts';
import { editDatabase } from '../fixtures/edit-database.ts';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A stopped node's folder with a registry and a few kv writes, each in its own block. */
async function folder(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'watan-records-'));
  dirs.push(dir);
  const subnet = await Subnet.open({ dataDir: dir, apps: coreApps });
  await bootstrapDevelopmentRegistry(subnet, { operator: 't', dataCentre: 't', province: 'Punjab', jurisdiction: 'PK' });
  for (let i = 0; i < 4; i++) {
    const result = await subnet.submit({ app: 'kv', method: 'put', args: { key: `k${i}`, value: `v${i}` }, caller: 't', id: `put-${i}` });
    assert.equal(result.ok, true);
  }
  await subnet.close();
  assert.deepEqual(auditDataDir(dir, coreApps).findings, [], 'the untouched folder audits clean');
  return dir;
}

function edit(dir: string, change: (db: Database.Database) => void): void {
  editDatabase(dataFiles(dir).state, change);
}

function findingsOf(dir: string): string[] {
  const report = auditDataDir(dir, coreApps);
  assert.equal(report.ok, false, 'the audit must fail');
  return report.findings;
}

test('an audit catches a stored command result edited in place', async () => {
  const dir = await folder();
  edit(dir, (db) => {
    const row = db
      .prepare<[], { block: number; bodies: string }>("SELECT block, bodies FROM watan_results WHERE bodies LIKE '%put-1%'")
      .get();
    assert.ok(row);
    const forged = row.bodies.replace('"ok":true', '"ok":false');
    assert.notEqual(forged, row.bodies);
    db.prepare('UPDATE watan_results SET bodies = ? WHERE block = ?').run(forged, row.block);
  });
  const findings = findingsOf(dir);
  assert.ok(
    findings.some((f) => /state digest recomputed/.test(f)),
    findings.join('\n'),
  );
  assert.ok(
    findings.some((f) => /stored results of block \d+ differ from the certified history/.test(f)),
    findings.join('\n'),
  );
});

test('an audit catches a deleted command-id row (which would let the command run again)', async () => {
  const dir = await folder();
  edit(dir, (db) => assert.equal(db.prepare("DELETE FROM watan_command_ids WHERE id = 'put-2'").run().changes, 1));
  const findings = findingsOf(dir);
  assert.ok(
    findings.some((f) => /state digest recomputed/.test(f)),
    findings.join('\n'),
  );
  assert.ok(
    findings.some((f) => /command id put-2 .*missing from the database \(deleted\)/.test(f)),
    findings.join('\n'),
  );
});

test('an audit catches edited executor time, which the digest now covers', async () => {
  const dir = await folder();
  edit(dir, (db) => db.prepare("UPDATE watan_meta SET value = value + 3600000 WHERE key = 'time'").run());
  assert.ok(
    findingsOf(dir).some((f) => /state digest recomputed/.test(f)),
    'a moved clock changes the digest',
  );
});

test('an audit catches an older certificate, or an older checkpoint, whose digest was zeroed', async () => {
  for (const table of ['watan_certificates', 'watan_checkpoints'] as const) {
    const dir = await folder();
    const column = table === 'watan_certificates' ? 'certificate' : 'checkpoint';
    let block = 0;
    edit(dir, (db) => {
      const row = db
        .prepare<[], { block: number; text: string }>(`SELECT block, ${column} AS text FROM ${table} ORDER BY block DESC LIMIT 1 OFFSET 2`)
        .get();
      assert.ok(row, `${table} holds older rows`);
      block = row.block;
      const zeroed = row.text.replace(/"digest":"[0-9a-f]{64}"/, `"digest":"${'0'.repeat(64)}"`);
      assert.notEqual(zeroed, row.text);
      db.prepare(`UPDATE ${table} SET ${column} = ? WHERE block = ?`).run(zeroed, row.block);
    });
    const findings = findingsOf(dir);
    assert.ok(
      findings.some((f) => f.includes(`block ${block}`)),
      `${table}: the altered block ${block} is named\n${findings.join('\n')}`,
    );
  }
});
