import { Worker } from 'node:worker_threads';
import { closeConnectionThread } from '../connection-thread.ts';

/** One block as the log stores it: its row in `blocks`. */
export interface BlockRow {
  block: number;
  firstHeight: number;
  lastHeight: number;
  entries: Buffer;
}

/** The writer thread's young generation (MiB). */
const WRITER_YOUNG_GENERATION_MB = 4;

/** How long closing waits for the thread to finish its writes and close its connection. */
const CLOSE_WAIT_MS = 10_000;

/** A row as the writer thread receives it: its entries an exact, transferred copy. */
export type PostedBlockRow = Omit<BlockRow, 'entries'> & { entries: Uint8Array };

/** What the writer thread answers for each row: written and synced, or why not. */
export type WriterAnswer = { block: number } | { block: number; error: string };

export class BlockWriteError extends Error {
  override name = 'BlockWriteError';
}

/**
 * Writes the embedded log's blocks from a thread of its own, on its own connection to the log
 * file (WAL, synchronous=FULL): the insert and its fsync happen there, so the event loop goes on
 * applying the last block and answering while the next one reaches the disk. A write resolves
 * only once SQLite has committed it with fsync — what the log acknowledges is as durable as
 * before. Rows are written one at a time, in the order given; the log sends the next only after
 * the last is answered.
 */
export class BlockWriter {
  private readonly worker: Worker;
  /** Set to 1 by the thread once its connection is closed (close() waits for it). */
  private readonly closedFlag = new Int32Array(new SharedArrayBuffer(4));
  private readonly waiting = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  private failure: Error | undefined;

  constructor(path: string) {
    this.worker = new Worker(new URL('./block-writer-thread.ts', import.meta.url), {
      workerData: { path, closed: this.closedFlag },
      // It holds one row at a time: a small young generation, not the node's (which may be 2 × 16 MiB and would stay resident).
      resourceLimits: { maxYoungGenerationSizeMb: WRITER_YOUNG_GENERATION_MB },
    });
    // The thread keeps the process alive only while a write is on its way (then someone awaits it).
    this.worker.unref();
    this.worker.on('message', (answer: WriterAnswer) => {
      const waiter = this.waiting.get(answer.block);
      this.waiting.delete(answer.block);
      if (this.waiting.size === 0) this.worker.unref();
      if ('error' in answer) waiter?.reject(new BlockWriteError(`the log could not write block ${answer.block}: ${answer.error}`));
      else waiter?.resolve();
    });
    this.worker.on('error', (error) => this.fail(new BlockWriteError(`the log's writer thread failed: ${error.message}`)));
    this.worker.on('exit', (code) => this.fail(new BlockWriteError(`the log's writer thread stopped (exit code ${code})`)));
  }

  /** Inserts the row and commits it with fsync; resolves once it is on disk. */
  write(row: BlockRow): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.set(row.block, { resolve, reject });
      this.worker.ref();
      // A Buffer is posted with its whole backing store, and a small one is a view of Node's
      // shared 64 KiB pool: cloning that cost 0.05–0.3 ms of the event loop a block. So the
      // thread is handed an exact copy, transferred rather than cloned.
      const entries = new Uint8Array(row.entries);
      this.worker.postMessage({ ...row, entries } satisfies PostedBlockRow, [entries.buffer]);
    });
  }

  /**
   * Closes the thread's connection once the writes already sent are done, and waits for that:
   * when the log is closed, its files are as they will stay (the data folder is sealed next).
   */
  close(): void {
    if (this.failure) {
      void this.worker.terminate();
      return;
    }
    closeConnectionThread(this.worker, this.closedFlag, CLOSE_WAIT_MS);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.waiting.values()) waiter.reject(this.failure);
    this.waiting.clear();
  }
}
