import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { type Command, coreApps, Executor, MAX_CLOCK_STEP_MS } from '../../src/subnet/index.ts';
import { genesisCommands, genesisFor, nodeKeys, SUBNET } from '../fixtures/certifying-replicas.ts';
import { chainBlocks, kvPut } from '../fixtures/chain-blocks.ts';

const { keys, governance, dispose } = nodeKeys(2);
after(dispose);

const HOUR = 3_600_000;
const START = 1_700_000_000_000;
const put = (id: string, key: string, time: number): Command => kvPut(id, key, id, time);

/** Applies the registry (admitting `members` nodes), then one block per command; returns each key's ctx.time. */
function timesAfter(members: number, commands: Command[]): Map<string, number> {
  const db = new Database(':memory:');
  const executor = new Executor({ db, subnetId: SUBNET, apps: coreApps });
  const registry = genesisCommands(genesisFor(keys.slice(0, members), governance), START);
  executor.applyBlocks(chainBlocks(SUBNET, [...registry, ...commands.map((command) => [command])]));
  const rows = db.prepare<[], { key: string; updated_at: number }>('SELECT key, updated_at FROM app_kv__entries').all();
  return new Map(rows.map((row) => [row.key, row.updated_at]));
}

test('on a subnet of several members, one block moves time at most the bound, however far ahead its clock', () => {
  const times = timesAfter(2, [put('honest-1', 'a', START + 1_000), put('ahead', 'b', START + HOUR), put('honest-2', 'c', START + 2_000)]);
  assert.equal(times.get('a'), START + 1_000, 'an honest clock moves time as it is');
  assert.equal(times.get('b'), START + 1_000 + MAX_CLOCK_STEP_MS, 'an hour ahead is cut to the bound');
  assert.equal(times.get('c'), START + 1_000 + MAX_CLOCK_STEP_MS, 'later commands are not dragged an hour ahead, only held');
});

test('on a node alone its one clock is the subnet clock, and a long idle gap is not cut', () => {
  const times = timesAfter(1, [put('before', 'a', START + 1_000), put('after-a-night', 'b', START + 8 * HOUR)]);
  assert.equal(times.get('b'), START + 8 * HOUR);
});
