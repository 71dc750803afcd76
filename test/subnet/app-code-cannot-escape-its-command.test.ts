import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { type Command, coreApps, Executor, StoreError, Subnet } from '../../src/subnet/index.ts';
import { chainBlocks } from '../fixtures/chain-blocks.ts';
import { escaped, misbehavingApp } from '../fixtures/misbehaving-app.ts';

const apps = [...coreApps, misbehavingApp];
const dir = mkdtempSync(join(tmpdir(), 'watan-escape-'));
let subnet: Subnet;
before(async () => {
  subnet = await Subnet.open({ dataDir: dir, apps });
});
after(async () => {
  await subnet.close();
  rmSync(dir, { recursive: true, force: true });
});

const rogue = (method: string, args: object) => subnet.submit({ app: 'rogue', method, args: args as never, caller: 'test' });

test('a method that writes after an await is refused, and nothing is written outside its transaction', async () => {
  const result = await rogue('later', { id: 'late' });
  assert.equal(result.ok, false);
  await new Promise((resolve) => setImmediate(resolve));
  assert.throws(() => escaped.store?.put('notes', { id: 'kept', text: 'x' }), StoreError);
  const after = await rogue('note', { id: 'after', text: 'fine' });
  assert.equal(after.ok, true, 'the executor keeps going');
  const late = (await rogue('peek', { sql: "SELECT id FROM {notes} WHERE id IN ('late', 'kept')" })) as { ok: true; value: unknown[] };
  assert.deepEqual(late.value, []);
});

test('an app cannot read the executor’s bookkeeping, the schema or another app’s tables', async () => {
  for (const sql of [
    'SELECT * FROM watan_checkpoints',
    'SELECT name FROM sqlite_schema',
    'SELECT * FROM app_kv__entries',
    'SELECT * FROM "watan_meta"',
    "SELECT * FROM pragma_table_info('app_kv__entries')",
  ]) {
    const result = await rogue('peek', { sql });
    assert.equal(result.ok, false, sql);
    assert.equal(!result.ok && result.error.code, 'STORE', sql);
  }
  const own = await rogue('peek', { sql: "SELECT count(*) AS n FROM {notes} WHERE text <> 'watan_meta'" });
  assert.equal(own.ok, true, 'its own tables, and a string that merely mentions another name, are fine');
});

test('a result canonical JSON cannot hold fails the command and rolls its writes back', async () => {
  const result = await rogue('floaty', { id: 'float' });
  assert.equal(!result.ok && result.error.code, 'BAD_RESULT');
  const rows = (await rogue('peek', { sql: "SELECT id FROM {notes} WHERE id = 'float'" })) as { ok: true; value: unknown[] };
  assert.deepEqual(rows.value, []);
});

test('a refusal whose details canonical JSON cannot hold is recorded plainly instead of stopping the replica', async () => {
  const result = await rogue('refuse_with_float', {});
  assert.equal(result.ok, false);
  assert.equal(subnet.failed, undefined, 'the replica is still applying');
  assert.equal((await rogue('note', { id: 'next', text: 'still works' })).ok, true);
});

test('the command that runs is the one logged, not the caller’s object mutated afterwards', async () => {
  const args: { key: string; value: string; note?: undefined } = { key: 'mutated', value: 'logged', note: undefined };
  const pending = subnet.submit({ app: 'kv', method: 'put', args: args as never, caller: 'test' });
  args.value = 'executed';
  assert.equal((await pending).ok, true, 'a member JSON drops is dropped before the app sees it');
  assert.deepEqual(subnet.query('kv', 'get', { key: 'mutated' }, 't'), { value: 'logged', version: 1 });
});

test('an entry in the middle of a block that does not match its chain hash is refused', () => {
  const put = (id: string): Command => ({ id, app: 'kv', method: 'put', args: { key: id, value: 'v' }, caller: 't', time: 1 });
  const [block] = chainBlocks('watan-dev', [[put('a'), put('b'), put('c')]]);
  assert.ok(block?.entries[1]);
  block.entries[1].bytes = Buffer.from(block.entries[1].bytes.toString().replace('"v"', '"forged"'));
  const executor = new Executor({ db: new Database(':memory:'), subnetId: 'watan-dev', apps: coreApps });
  assert.throws(() => executor.applyBlocks([block]), /height 2 does not chain/);
  assert.equal(executor.height, 0);
});

test('inserting a row whose key is taken fails the command and leaves the row and the state digest as they were', () => {
  const command = (id: string, method: string, args: object): Command => ({
    id,
    app: 'rogue',
    method,
    args: args as never,
    caller: 't',
    time: 1,
  });
  const executor = new Executor({ db: new Database(':memory:'), subnetId: 'watan-dev', apps });
  const [, second, third] = executor.applyBlocks(
    chainBlocks('watan-dev', [
      [command('c1', 'first_note', { id: 'a', text: 'first' })],
      [command('c2', 'first_note', { id: 'a', text: 'second' }), command('c3', 'first_note', { id: 'b', text: 'other' })],
      [command('c4', 'peek', { sql: 'SELECT id, text FROM {notes} ORDER BY id' })],
    ]),
  );
  const [taken, fresh] = second?.results ?? [];
  assert.equal(taken?.ok, false);
  assert.equal(!taken?.ok && taken?.error.code, 'STORE');
  assert.match((!taken?.ok && taken?.error.message) || '', /notes: a row with this primary key already exists/);
  assert.equal(fresh?.ok, true, 'the block goes on');
  const rows = third?.results[0];
  assert.deepEqual(rows?.ok && rows.value, [
    { id: 'a', text: 'first' },
    { id: 'b', text: 'other' },
  ]);
  assert.ok(executor.scanDigest().equals(executor.currentDigest()), 'the refused insert left no trace in the digest');
});
