import type { MessagePort, Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

/**
 * How a thread that owns a SQLite connection beside the node's (the log's writer, the state's
 * checkpointer) is closed: its owner posts `'close'` and waits on a shared flag; the thread
 * closes its connection, then raises the flag. When the owner goes on, the files are as they
 * will stay (the data folder is sealed next).
 */
export function closeConnectionThread(worker: Worker, closed: Int32Array, waitMs: number): void {
  worker.postMessage('close');
  if (Atomics.wait(closed, 0, 0, waitMs) === 'timed-out') void worker.terminate();
}

/** The thread's side of closeConnectionThread: on `'close'`. */
export function closeOwnConnection(db: Database.Database, closed: Int32Array, port: MessagePort): void {
  db.close();
  Atomics.store(closed, 0, 1);
  Atomics.notify(closed, 0);
  port.close();
}
