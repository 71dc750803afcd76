import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import {
  bootstrapDevelopmentRegistry,
  canonicalJsonBytes,
  coreApps,
  dataFiles,
  encodeBlockEntries,
  Subnet,
  splitBlockEntries,
} from '../../src/subnet/index.ts';
import { runWatan } from '../cli/run-watan.ts';

const TEST_TIMEOUT = { timeout: 60_000 };

const ENTRIES = [
  { key: 'alpha', value: 'first' },
  { key: 'beta', value: 'second' },
  { key: 'gamma', value: 'third' },
] as const;

interface Prepared {
  dataDir: string;
  /** Log height of each key's put. */
  heights: Map<string, number>;
}

/** A closed data folder holding a bootstrapped registry and one kv put per entry. */
async function prepareFolder(): Promise<Prepared> {
  const dataDir = await mkdtemp(join(tmpdir(), 'watan-'));
  const subnet = await Subnet.open({ dataDir, apps: coreApps });
  const heights = new Map<string, number>();
  try {
    await bootstrapDevelopmentRegistry(subnet, { operator: 't', dataCentre: 't', province: 't', jurisdiction: 'PK' });
    for (const { key, value } of ENTRIES) {
      const result = await subnet.submit({ app: 'kv', method: 'put', args: { key, value }, caller: 'test', id: `put-${key}` });
      assert.ok(result.ok, `put ${key} failed: ${JSON.stringify(result)}`);
      heights.set(key, result.height);
    }
  } finally {
    await subnet.close();
  }
  return { dataDir, heights };
}

/** Edits a database file the way an intruder with file access would: directly, outside the node. */
function tamper(path: string, edit: (db: Database.Database) => void): void {
  const db = new Database(path);
  try {
    edit(db);
  } finally {
    db.close();
  }
}

/**
 * Rewrites the command logged at `height` inside its block row, keeping the stored chain
 * hash — what an intruder who edits history without the means to re-chain it would leave.
 */
function rewriteLoggedCommand(db: Database.Database, height: number, edit: (command: { args: { value: string } }) => void): void {
  const row = db
    .prepare<[number, number], { block: number; first_height: number; entries: Buffer }>(
      'SELECT block, first_height, entries FROM blocks WHERE first_height <= ? AND last_height >= ?',
    )
    .get(height, height);
  assert.ok(row, `no log block holds height ${height}`);
  const entries: { bytes: Buffer; hash: Buffer }[] = splitBlockEntries(row.entries).map(({ bytes, hash }) => ({
    bytes: Buffer.from(bytes),
    hash: Buffer.from(hash),
  }));
  const target = entries[height - row.first_height];
  assert.ok(target);
  const command = JSON.parse(target.bytes.toString('utf8')) as { args: { value: string } };
  edit(command);
  target.bytes = canonicalJsonBytes(command as never);
  const changed = db.prepare('UPDATE blocks SET entries = ? WHERE block = ?').run(encodeBlockEntries(entries), row.block).changes;
  assert.equal(changed, 1);
}

async function auditFolder(dataDir: string) {
  return runWatan(['audit', '--data', dataDir]);
}

async function withFolder(body: (prepared: Prepared) => Promise<void>): Promise<void> {
  const prepared = await prepareFolder();
  try {
    const clean = await auditFolder(prepared.dataDir);
    assert.equal(clean.code, 0, `the untouched folder should audit clean:\n${clean.stdout}\n${clean.stderr}`);
    assert.match(clean.stdout, /audit passed/);
    await body(prepared);
  } finally {
    await rm(prepared.dataDir, { recursive: true, force: true });
  }
}

test(
  'watan audit passes an untouched folder and then names the table, key and column of a value edited in state.sqlite',
  TEST_TIMEOUT,
  async () => {
    await withFolder(async ({ dataDir }) => {
      tamper(dataFiles(dataDir).state, (db) => {
        const changed = db.prepare("UPDATE app_kv__entries SET value = 'tampered' WHERE key = 'beta'").run().changes;
        assert.equal(changed, 1);
      });
      const audit = await auditFolder(dataDir);
      assert.notEqual(audit.code, 0, `the audit should fail:\n${audit.stdout}`);
      assert.match(audit.stdout, /audit FAILED/);
      const finding = audit.stdout.split('\n').find((line) => line.includes('kv.entries'));
      assert.ok(finding, `no finding names kv.entries:\n${audit.stdout}`);
      assert.match(finding, /key="beta"/);
      assert.match(finding, /column value\b/);
      assert.match(finding, /"tampered"/);
      assert.match(finding, /"second"/);
      assert.match(finding, /altered/);
      for (const untouched of ['alpha', 'gamma']) assert.doesNotMatch(audit.stdout, new RegExp(`key="${untouched}"`));
    });
  },
);

test('watan audit names a row deleted from state.sqlite as deleted', TEST_TIMEOUT, async () => {
  await withFolder(async ({ dataDir }) => {
    tamper(dataFiles(dataDir).state, (db) => {
      const changed = db.prepare("DELETE FROM app_kv__entries WHERE key = 'gamma'").run().changes;
      assert.equal(changed, 1);
    });
    const audit = await auditFolder(dataDir);
    assert.notEqual(audit.code, 0, `the audit should fail:\n${audit.stdout}`);
    const finding = audit.stdout.split('\n').find((line) => line.includes('kv.entries'));
    assert.ok(finding, `no finding names kv.entries:\n${audit.stdout}`);
    assert.match(finding, /key="gamma"/);
    assert.match(finding, /deleted/);
    for (const untouched of ['alpha', 'beta']) assert.doesNotMatch(audit.stdout, new RegExp(`key="${untouched}"`));
  });
});

test("watan audit reports a command altered in log.sqlite as a log chain break at that command's height", TEST_TIMEOUT, async () => {
  await withFolder(async ({ dataDir, heights }) => {
    const height = heights.get('beta');
    assert.ok(height !== undefined);
    tamper(dataFiles(dataDir).log, (db) =>
      rewriteLoggedCommand(db, height, (command) => {
        assert.equal(command.args.value, 'second');
        command.args.value = 'rewritten';
      }),
    );
    const audit = await auditFolder(dataDir);
    assert.notEqual(audit.code, 0, `the audit should fail:\n${audit.stdout}`);
    assert.match(audit.stdout, new RegExp(`log entry at height ${height} does not match its chain hash`));
  });
});

test(
  'watan audit still reports both the log chain break and the state mismatch when the log and a row were both altered',
  TEST_TIMEOUT,
  async () => {
    await withFolder(async ({ dataDir, heights }) => {
      const height = heights.get('alpha');
      assert.ok(height !== undefined);
      tamper(dataFiles(dataDir).log, (db) =>
        rewriteLoggedCommand(db, height, (command) => {
          command.args.value = 'rewritten';
        }),
      );
      tamper(dataFiles(dataDir).state, (db) => {
        db.prepare("UPDATE app_kv__entries SET value = 'tampered' WHERE key = 'gamma'").run();
      });
      const audit = await auditFolder(dataDir);
      assert.equal(audit.code, 1, `the audit should fail with a report:\n${audit.stdout}\n${audit.stderr}`);
      // A report, not an exception: the replay used to name rows must not abort the audit.
      assert.match(audit.stdout, /audit FAILED/, `the audit printed no report:\nstdout:\n${audit.stdout}\nstderr:\n${audit.stderr}`);
      assert.match(audit.stdout, new RegExp(`log entry at height ${height} does not match its chain hash`));
      assert.match(audit.stdout, /state digest recomputed from the database .* differs from the certified digest/);
    });
  },
);
