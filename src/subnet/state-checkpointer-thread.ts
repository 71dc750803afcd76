/** The state database's checkpointer thread (state-checkpointer.ts): a PASSIVE checkpoint whenever it is asked. */
import { parentPort, workerData } from 'node:worker_threads';
import { closeOwnConnection } from './connection-thread.ts';
import { openSqlite } from './sqlite.ts';

const port = parentPort;
if (!port) throw new Error('state-checkpointer-thread.ts runs as a worker thread of a replica');
const { path, closed } = workerData as { path: string; closed: Int32Array };
const db = openSqlite(path, { synchronous: 'NORMAL' });
// This connection reads no data of its own: a small page cache.
db.pragma('cache_size = -512');
db.pragma('wal_autocheckpoint = 0');

port.on('message', (message: 'checkpoint' | 'close') => {
  if (message === 'close') {
    closeOwnConnection(db, closed, port);
    return;
  }
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    port.postMessage({});
  } catch (error) {
    port.postMessage({ error: (error as Error).message });
  }
});
