/** The embedded log's writer thread (block-writer.ts): inserts each block row it is sent and commits it with fsync. */
import { parentPort, workerData } from 'node:worker_threads';
import { closeOwnConnection } from '../connection-thread.ts';
import { openSqlite } from '../sqlite.ts';
import type { PostedBlockRow, WriterAnswer } from './block-writer.ts';

const port = parentPort;
if (!port) throw new Error('block-writer-thread.ts runs as a worker thread of the log');
const { path, closed } = workerData as { path: string; closed: Int32Array };
const db = openSqlite(path, { synchronous: 'FULL' });
// This connection only appends: a small page cache (the node's own connection keeps the large one).
db.pragma('cache_size = -2048');
const insert = db.prepare('INSERT INTO blocks (block, first_height, last_height, entries) VALUES (?, ?, ?, ?)');

port.on('message', (message: PostedBlockRow | 'close') => {
  if (message === 'close') {
    closeOwnConnection(db, closed, port);
    return;
  }
  let answer: WriterAnswer;
  try {
    const { entries } = message;
    insert.run(message.block, message.firstHeight, message.lastHeight, Buffer.from(entries.buffer, entries.byteOffset, entries.byteLength));
    answer = { block: message.block };
  } catch (error) {
    answer = { block: message.block, error: (error as Error).message };
  }
  port.postMessage(answer);
});
