import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type Command, encodeCommand, SqliteLog } from '../../src/subnet/index.ts';

const SUBNET = 'mirror-together';

function mirrored(id: string): { command: Command; bytes: Buffer } {
  const command: Command = { id, app: 'kv', method: 'put', caller: 'test', args: { key: id, value: 'v' }, time: 1 };
  return { command, bytes: encodeCommand(command) };
}

function origin(sequence: number, revision: number) {
  return { proposal: { proposer: 'node-a', sequence, signature: Buffer.alloc(64, sequence) }, revision };
}

test('blocks mirrored together are written in one transaction, and the log is heard from only once it committed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'watan-mirror-together-'));
  const log = new SqliteLog(join(dir, 'log.sqlite'), SUBNET);
  try {
    const heard: number[] = [];
    log.watch(() => heard.push(log.head().block));
    log.mirrorTogether(() => {
      log.appendMirrored([mirrored('a')], origin(1, 10));
      assert.deepEqual(heard, [], 'no watcher hears a block before the batch commits');
      log.appendMirrored([mirrored('b'), mirrored('c')], origin(2, 11));
      log.skipMirrored(12, '/not/a/block', 'not a block');
    });
    assert.deepEqual(heard, [2], 'watchers hear once, after the commit, with both blocks there');
    assert.equal(log.head().height, 3);
    assert.equal(log.mirroredRevision(), 12);
    assert.equal(log.verifyChain(), null);

    // A batch that fails part-way leaves nothing of itself: not the blocks before the failure either.
    assert.throws(() =>
      log.mirrorTogether(() => {
        log.appendMirrored([mirrored('d')], origin(3, 13));
        log.appendMirrored([mirrored('e')], origin(4, 13)); // the same revision twice: refused by the mirror
      }),
    );
    assert.deepEqual(heard, [2], 'a batch that failed is heard of by no one');
    assert.equal(log.head().height, 3);
    assert.equal(log.head().block, 2);
    assert.equal(log.mirroredRevision(), 12);
    assert.equal(log.readFromSync(3, 10).length, 0, 'nothing of the failed batch can be read');
  } finally {
    log.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
