/**
 * The embedded log writes and fsyncs its blocks on a thread of its own (log/block-writer.ts).
 * What it acknowledges must already be committed — another connection to the file reads it the
 * moment the receipt arrives — and the log's own reads (what the executor applies) must not run
 * ahead of its acknowledgements. Appends that arrive while a block is being written go together
 * as the next block, and closing leaves the files as they stay (no writer connection left open).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type AppendReceipt, type Command, SqliteLog } from '../../src/subnet/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'watan-log-writer-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function command(id: string): Command {
  return { id, app: 'kv', method: 'put', caller: 'test', args: { key: id, value: id }, time: 1_700_000_000_000 };
}

test('every receipt is for a block another connection already reads, and the log reads nothing it has not acknowledged', async () => {
  const path = join(dir, 'log.sqlite');
  const log = new SqliteLog(path, 'writer-test');
  const checks: Promise<void>[] = [];
  const onReceipt = (receipts: AppendReceipt[]) => {
    const { height, block } = receipts.at(-1) as AppendReceipt;
    // Another connection, opened now, sees the block: it was committed before the receipt came.
    const reader = new SqliteLog(path, 'writer-test', { readonly: true });
    try {
      assert.ok(reader.head().height >= height, `block ${block} (up to height ${height}) is not committed when acknowledged`);
    } finally {
      reader.close();
    }
    // The log's own reads stop at what it has acknowledged.
    const read = log.readFromSync(0, 1_000_000);
    assert.ok((read.at(-1)?.entries.at(-1)?.height ?? 0) <= log.head().height, 'the log read past its acknowledged head');
  };
  // Waves of appends, each started while the previous one is being written.
  for (let wave = 0; wave < 20; wave++) {
    for (let i = 0; i < 5; i++) checks.push(log.append([command(`w${wave}-${i}`)]).then(onReceipt));
    await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.all(checks);
  const blocks = log.readFromSync(0, 1_000_000);
  assert.equal(blocks.flatMap((block) => block.entries).length, 100, 'every command is in the log once');
  assert.ok(blocks.length < 100, `appends that arrived during a write were grouped (${blocks.length} blocks for 100 commands)`);
  assert.equal(log.verifyChain(), null);
  log.close();
  // Both connections are closed: SQLite folded the write-ahead log into the file and removed it.
  assert.equal(existsSync(`${path}-wal`), false, 'a connection to the log was left open after close');
});
