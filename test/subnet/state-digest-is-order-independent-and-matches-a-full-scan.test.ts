import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { type Command, coreApps, Executor, LtHash } from '../../src/subnet/index.ts';
import { chainBlocks, kvPut } from '../fixtures/chain-blocks.ts';

const element = (text: string) => Buffer.from(text, 'utf8');

test('adding the same elements in any order gives the same LtHash', () => {
  const forward = new LtHash();
  const backward = new LtHash();
  const items = Array.from({ length: 50 }, (_, i) => element(`row ${i}`));
  for (const item of items) forward.add(item);
  for (const item of [...items].reverse()) backward.add(item);
  assert.ok(forward.digest().equals(backward.digest()));
});

test('removing an element undoes adding it, and the state survives a save and load', () => {
  const hash = new LtHash();
  const empty = hash.digest();
  hash.add(element('a'));
  hash.add(element('b'));
  const saved = new LtHash(hash.bytes());
  assert.ok(saved.digest().equals(hash.digest()));
  hash.remove(element('a'));
  hash.remove(element('b'));
  assert.ok(hash.digest().equals(empty));
  assert.ok(!saved.digest().equals(empty));
});

const put = (id: string, key: string, value: string): Command => kvPut(id, key, value, 5);
const del = (id: string, key: string): Command => ({ id, app: 'kv', method: 'delete', args: { key }, caller: 't', time: 5 });

test('two histories that end in the same rows end in the same app-state digest', () => {
  const one = new Executor({ db: new Database(':memory:'), subnetId: 'watan-dev', apps: coreApps });
  const two = new Executor({ db: new Database(':memory:'), subnetId: 'watan-dev', apps: coreApps });
  one.applyBlocks(chainBlocks('watan-dev', [[put('1', 'a', 'x'), put('2', 'b', 'y')]]));
  two.applyBlocks(
    chainBlocks('watan-dev', [
      [put('1', 'b', 'y'), put('2', 'c', 'z')],
      [put('3', 'a', 'x'), del('4', 'c')],
    ]),
  );
  // Versions and times match by construction: each key was written once, at the same time.
  assert.ok(one.scanAppRows().digest().equals(two.scanAppRows().digest()));
  // The whole digest also holds each history's results and command ids, so it tells them apart.
  assert.ok(!one.currentDigest().equals(two.currentDigest()));
});

test('the incremental digest equals a full scan after inserts, updates and deletes', () => {
  const executor = new Executor({ db: new Database(':memory:'), subnetId: 'watan-dev', apps: coreApps });
  const commands = Array.from({ length: 200 }, (_, i) => (i % 5 === 4 ? del(`c${i}`, `k${i % 17}`) : put(`c${i}`, `k${i % 17}`, `v${i}`)));
  executor.applyBlocks(chainBlocks('watan-dev', [commands.slice(0, 100), commands.slice(100)]));
  assert.ok(executor.scanDigest().equals(executor.currentDigest()));
  assert.equal(executor.latestCheckpoint()?.checkpoint.digest, executor.currentDigest().toString('hex'));
});
