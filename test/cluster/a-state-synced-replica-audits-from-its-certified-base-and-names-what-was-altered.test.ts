import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type Database from 'better-sqlite3';
import type { RunningNode } from '../../src/node/index.ts';
import { dataFiles } from '../../src/subnet/index.ts';
import { runWatan } from '../cli/run-watan.ts';
import { editDatabase } from '../fixtures/edit-database.ts';
import { startEtcdCluster } from '../fixtures/etcd-cluster.ts';
import { clusterGenesis, putKv, startClusterNode, stopOneWhileOthersPrune } from '../fixtures/etcd-replicas.ts';

const TIMEOUT = { timeout: 300_000 };
const SUBNET = 'synced-audit';

/**
 * Four replicas; the fourth is down while the others certify and prune, comes back by state
 * sync, writes once more, and every replica stops. Resolves with the synced replica's closed folder.
 */
async function stateSyncedFolder(root: string): Promise<{ dir: string; base: number }> {
  const etcd = await startEtcdCluster('synced-audit');
  const names = ['n1', 'n2', 'n3', 'n4'];
  const { genesis } = clusterGenesis(root, SUBNET, names);
  const start = (name: string) => startClusterNode(root, name, genesis, etcd.endpoints, [], 0);
  const nodes: (RunningNode | undefined)[] = [];
  try {
    for (const name of names) nodes.push(await start(name));
    const n1 = nodes[0] as RunningNode;
    for (let i = 0; i < 3; i++) await putKv(n1, `before-${i}`, 'v');
    await stopOneWhileOthersPrune(nodes, root, SUBNET, etcd.endpoints, 12);

    const back = await start('n4');
    nodes[3] = back;
    const base = back.subnet.appliedBlock;
    const after = await putKv(back, 'after-sync', 'x');
    assert.equal(after.ok, true);
    assert.ok(await back.subnet.waitForCertificate(after.block, 30_000), 'the synced replica certifies its own block');
    return { dir: join(root, 'n4'), base };
  } finally {
    for (const node of nodes) await node?.close();
    await etcd.stop();
  }
}

/** Audits a copy of `dir` after `edit`, so every case starts from the same clean folder. */
async function auditAltered(root: string, dir: string, name: string, edit: (copy: string) => void) {
  const copy = join(root, name);
  cpSync(dir, copy, { recursive: true });
  edit(copy);
  const audit = await runWatan(['audit', '--data', copy], 60_000);
  assert.equal(audit.code, 1, `the audit of ${name} should fail:\n${audit.stdout}\n${audit.stderr}`);
  assert.match(audit.stdout, /audit FAILED/);
  return audit.stdout;
}

function setValue(db: Database.Database, key: string, value: string): void {
  assert.equal(db.prepare('UPDATE app_kv__entries SET value = ? WHERE key = ?').run(value, key).changes, 1);
}

test(
  "a state-synced replica's folder audits clean from the certified base it installed, and an altered row, base or base certificate is named",
  TIMEOUT,
  async () => {
    const root = mkdtempSync(join(tmpdir(), 'watan-synced-audit-'));
    try {
      const { dir, base } = await stateSyncedFolder(root);

      const clean = await runWatan(['audit', '--data', dir], 60_000);
      assert.equal(clean.code, 0, `the synced folder should audit clean:\n${clean.stdout}\n${clean.stderr}`);
      assert.match(clean.stdout, /audit passed/);
      assert.match(clean.stdout, new RegExp(`history before block ${base + 1} \\(heights up to \\d+\\) is not held here`));
      assert.match(clean.stdout, /quorum certificate signed by [34] of its 4 members/);

      // A row written after the base, and one that came with the base: both named by a replay from the base.
      const rows = await auditAltered(root, dir, 'rows', (copy) =>
        editDatabase(dataFiles(copy).state, (db) => {
          setValue(db, 'after-sync', 'y');
          setValue(db, 'during-4', 'forty');
        }),
      );
      assert.match(rows, /kv\.entries row \(key="after-sync"\): column value is "y", certified history says "x" \(altered\)/);
      assert.match(rows, /kv\.entries row \(key="during-4"\): column value is "forty", certified history says "4" \(altered\)/);

      // The kept base itself: its state no longer has the certified digest.
      const baseRow = await auditAltered(root, dir, 'base-row', (copy) =>
        editDatabase(dataFiles(copy).base, (db) => setValue(db, 'during-0', '1')),
      );
      assert.match(baseRow, new RegExp(`base state \\(block ${base}\\): the base state's digest \\w+ is not the certified \\w+`));

      // The base's certificate: one byte of one signature flipped.
      const certificate = await auditAltered(root, dir, 'base-certificate', (copy) =>
        editDatabase(dataFiles(copy).base, (db) => {
          const row = db.prepare<[number], { certificate: string }>('SELECT certificate FROM watan_certificates WHERE block = ?').get(base);
          assert.ok(row, 'the base keeps its certificate');
          const parsed = JSON.parse(row.certificate) as { signatures: { node: string; signature: string }[] };
          const first = parsed.signatures[0] as { signature: string };
          const bytes = Buffer.from(first.signature, 'base64url');
          bytes[0] = (bytes[0] as number) ^ 1;
          first.signature = bytes.toString('base64url');
          db.prepare('UPDATE watan_certificates SET certificate = ? WHERE block = ?').run(JSON.stringify(parsed), base);
        }),
      );
      assert.match(certificate, new RegExp(`base state \\(block ${base}\\): signature by \\S+ does not verify`));
      assert.match(certificate, /that base state does NOT verify against its certificate/);

      // The log's record of where it begins, moved onto another chain hash.
      const logBase = await auditAltered(root, dir, 'log-base', (copy) =>
        editDatabase(dataFiles(copy).log, (db) => {
          const row = db.prepare<[], { value: string }>("SELECT value FROM log_meta WHERE key = 'base'").get();
          assert.ok(row, 'the mirror records its base');
          const recorded = JSON.parse(row.value) as { hash: string };
          recorded.hash = '00'.repeat(32);
          db.prepare("UPDATE log_meta SET value = ? WHERE key = 'base'").run(JSON.stringify(recorded));
        }),
      );
      assert.match(logBase, /log\.sqlite's base was altered/);
      assert.match(logBase, /does not match its chain hash/);

      // Without its base the folder cannot vouch for the state before it, and says so.
      const missing = await auditAltered(root, dir, 'no-base', (copy) => rmSync(dataFiles(copy).base));
      assert.match(missing, new RegExp(`state-synced \\(its log begins after block ${base}\\) but \\S+ .* is missing`));
      assert.doesNotMatch(missing, /checkpoint of block 1 is missing/, 'the checkpoints are still checked from the base on');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
);
