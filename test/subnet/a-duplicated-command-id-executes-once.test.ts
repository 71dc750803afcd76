import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { type Command, coreApps, Executor, Subnet } from '../../src/subnet/index.ts';
import { chainBlocks } from '../fixtures/chain-blocks.ts';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function openSubnet(): Promise<Subnet> {
  const dir = mkdtempSync(join(tmpdir(), 'watan-idem-'));
  dirs.push(dir);
  return Subnet.open({ dataDir: dir, apps: coreApps });
}

test('submitting one command id twice, one after the other, runs it once and answers the first result twice', async () => {
  const subnet = await openSubnet();
  try {
    const request = { id: 'client-retry-1', app: 'kv', method: 'put', args: { key: 'counter', value: 'a' }, caller: 'test' };
    const first = await subnet.submit(request);
    const second = await subnet.submit({ ...request, args: { key: 'counter', value: 'b' } });
    assert.deepEqual(second, first);
    assert.deepEqual(subnet.query('kv', 'get', { key: 'counter' }, 'test'), { value: 'a', version: 1 });
    assert.equal(subnet.logHeight, 1, 'the duplicate never entered the log');
  } finally {
    await subnet.close();
  }
});

test('one command id submitted concurrently in the same block runs once', async () => {
  const subnet = await openSubnet();
  try {
    const request = { id: 'burst', app: 'kv', method: 'put', args: { key: 'k', value: 'v' }, caller: 'test' };
    const results = await Promise.all(Array.from({ length: 10 }, () => subnet.submit(request)));
    for (const result of results) assert.deepEqual(result, results[0]);
    assert.deepEqual(subnet.query('kv', 'get', { key: 'k' }, 'test'), { value: 'v', version: 1 });
  } finally {
    await subnet.close();
  }
});

test('the executor runs a command id once even when a cluster log orders it twice', () => {
  const put = (id: string, value: string): Command => ({
    id,
    app: 'kv',
    method: 'put',
    args: { key: 'x', value },
    caller: 'test',
    time: 1,
  });
  const blocks = chainBlocks('watan-dev', [[put('a', '1')], [put('a', '2'), put('b', '3')], [put('a', '4')]]);
  const executor = new Executor({ db: new Database(':memory:'), subnetId: 'watan-dev', apps: coreApps });
  executor.applyBlocks(blocks);
  const outcomes = executor.resultsFrom(0).map((r) => JSON.parse(r.body) as { ok: boolean; error?: { code: string } });
  assert.deepEqual(
    outcomes.map((o) => o.ok || o.error?.code),
    [true, 'DUPLICATE', true, 'DUPLICATE'],
  );
  assert.deepEqual(executor.query('kv', 'get', { key: 'x' }, 'test'), { value: '3', version: 2 });
  assert.equal(executor.result('a')?.height, 1, 'asking for the id answers its first execution');
});

test('a block that does not chain from the previous entry is refused and nothing is applied', () => {
  const put = (id: string): Command => ({ id, app: 'kv', method: 'put', args: { key: id, value: 'v' }, caller: 'test', time: 1 });
  const blocks = chainBlocks('watan-dev', [[put('a')], [put('b')]]);
  const second = blocks[1]?.entries[0];
  assert.ok(second);
  second.hash = Buffer.alloc(32, 7);
  const executor = new Executor({ db: new Database(':memory:'), subnetId: 'watan-dev', apps: coreApps });
  assert.throws(() => executor.applyBlocks(blocks), /height 2 does not chain/);
  assert.equal(executor.height, 0, 'the whole transaction rolled back');
  assert.equal(executor.query('kv', 'get', { key: 'a' }, 'test'), null);
});
