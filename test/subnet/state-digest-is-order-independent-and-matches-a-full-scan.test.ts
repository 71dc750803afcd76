import assert from 'node:assert/strict';
import { hash } from 'node:crypto';
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

test('the LtHash is LtHash16 over SHAKE256 expansions, which digests already certified assume', () => {
  // Written out plainly: lanes of 2048-byte SHAKE256 expansions, summed modulo 2^16. Rows are
  // encoded as bytes, not text, so the elements carry bytes above 0x7f.
  const changes: ['add' | 'remove', Buffer][] = [
    ['add', Buffer.from([0xff, 0x80, 0x00, 0x01])],
    ['add', Buffer.alloc(4000, 0xfe)],
    ['add', Buffer.from([0x02, 0xc3, 0xa9])],
    ['remove', Buffer.from([0xff, 0x80, 0x00, 0x01])],
  ];
  const lanes = new Uint16Array(1024);
  const digest = new LtHash();
  for (const [change, item] of changes) {
    const expansion = hash('shake256', item, { outputLength: 2048, outputEncoding: 'buffer' }) as Buffer;
    for (let i = 0; i < 1024; i++) lanes[i] = (lanes[i] as number) + (change === 'add' ? 1 : -1) * expansion.readUInt16LE(2 * i);
    digest[change](item);
  }
  assert.ok(digest.digest().equals(hash('sha256', new Uint8Array(lanes.buffer), 'buffer') as Buffer));
});

test('every lane sums and subtracts modulo 2^16, whatever the lanes carry', () => {
  // Enough random expansions that every lane wraps past 2^16 and below 0 many times: the lanes
  // are summed two to a word, and a carry or borrow that crossed into the next lane would show.
  const items = Array.from({ length: 300 }, (_, i) => Buffer.from(`element ${i} ${'x'.repeat(i % 7)}`));
  const plain = new Int32Array(1024);
  const digest = new LtHash();
  const apply = (item: Buffer, sign: 1 | -1) => {
    const expansion = hash('shake256', item, { outputLength: 2048, outputEncoding: 'buffer' }) as Buffer;
    for (let i = 0; i < 1024; i++) plain[i] = ((plain[i] as number) + sign * expansion.readUInt16LE(2 * i)) & 0xffff;
  };
  for (const item of items) {
    apply(item, 1);
    digest.add(item);
  }
  // Removes in another order, some of them of elements never added (the lanes go below zero).
  for (const item of [...items.filter((_, i) => i % 3 === 0).reverse(), Buffer.from('never added'), Buffer.from('nor this')]) {
    apply(item, -1);
    digest.remove(item);
  }
  const bytes = digest.bytes();
  for (let i = 0; i < 1024; i++) assert.equal(bytes.readUInt16LE(2 * i), plain[i], `lane ${i}`);
  assert.ok(digest.digest().equals(hash('sha256', new Uint8Array(new Uint16Array(plain).buffer), 'buffer') as Buffer));
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
