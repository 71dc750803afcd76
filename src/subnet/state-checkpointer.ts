import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { closeConnectionThread } from './connection-thread.ts';

/** The most often a checkpoint is started: under load the WAL then holds a fraction of a second of writes. */
const CHECKPOINT_INTERVAL_MS = 100;

/** The pages after which SQLite checkpoints on the committing connection itself (its default), should the thread fail. */
const AUTOCHECKPOINT_PAGES = 1000;

/** How long closing waits for a checkpoint under way to finish and the thread's connection to close. */
const CLOSE_WAIT_MS = 10_000;

/**
 * Copies the state database's write-ahead log back into the database from a thread of its
 * own, on its own connection. Left to SQLite, every thousandth page committed makes the
 * committing connection — the event loop, which applies blocks — copy a thousand pages and
 * fsync the file: in a benchmark of the messenger's events, about half of what a commit cost. A
 * PASSIVE checkpoint runs beside readers and writers, so the event loop only asks for one
 * after a commit, at most every CHECKPOINT_INTERVAL_MS, while none is under way. Durability
 * does not change: a commit is in the WAL, which survives a crash, before and after its copy.
 * Should the thread fail, the node's connection checkpoints for itself again.
 */
export class StateCheckpointer {
  private readonly db: Database.Database;
  private readonly path: string;
  private worker: Worker | undefined;
  private readonly closedFlag = new Int32Array(new SharedArrayBuffer(4));
  private running = false;
  private lastStarted = Number.NEGATIVE_INFINITY;
  private failed = false;

  constructor(db: Database.Database, path: string) {
    this.db = db;
    this.path = path;
    db.pragma('wal_autocheckpoint = 0');
  }

  /** After a commit to the state: starts a checkpoint unless one is under way or began a moment ago. */
  committed(): void {
    if (this.failed || this.running) return;
    const now = performance.now();
    if (now - this.lastStarted < CHECKPOINT_INTERVAL_MS) return;
    this.lastStarted = now;
    this.running = true;
    this.thread().postMessage('checkpoint');
  }

  /** Lets a checkpoint under way finish and closes the thread's connection, before the node closes its own. */
  close(): void {
    if (!this.worker) return;
    if (this.failed) {
      void this.worker.terminate();
      return;
    }
    closeConnectionThread(this.worker, this.closedFlag, CLOSE_WAIT_MS);
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('./state-checkpointer-thread.ts', import.meta.url), {
      workerData: { path: this.path, closed: this.closedFlag },
      // It holds nothing: a small young generation, not the node's.
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
    });
    // Nobody waits on a checkpoint: it must not keep the process alive.
    worker.unref();
    worker.on('message', (answer: { error?: string }) => {
      this.running = false;
      if (answer.error !== undefined) this.fail(answer.error);
    });
    worker.on('error', (error) => this.fail(error.message));
    worker.on('exit', () => this.fail('the thread stopped'));
    this.worker = worker;
    return worker;
  }

  private fail(reason: string): void {
    if (this.failed || Atomics.load(this.closedFlag, 0) === 1) return;
    this.failed = true;
    process.emitWarning(`the state checkpointer failed (${reason}); the node checkpoints the state itself from now on`);
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
  }
}
