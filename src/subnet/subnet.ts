import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { AppDefinition } from './app.ts';
import type { JsonValue } from './canonical-json.ts';
import type { Certificate } from './checkpoint.ts';
import { claimSubnetId, dataFiles, prepareDataDir } from './data-dir.ts';
import { type AppliedBlock, Executor, type ResultProof } from './executor.ts';
import type { AppendReceipt, CommandLog, LogBlock } from './log/command-log.ts';
import { SqliteLog } from './log/sqlite-log.ts';
import { loadOrCreateSigningKey, type SigningKey } from './node-key.ts';
import type { CommandResult } from './results.ts';
import { openSqlite } from './sqlite.ts';

export interface SubmitRequest {
  app: string;
  method: string;
  args: JsonValue;
  caller: string;
  /** Idempotency key; a fresh one is made when absent. */
  id?: string;
}

/** Hooks for metrics: called after each executor run, outside the executor. */
export interface SubnetObserver {
  applied(blocks: readonly AppliedBlock[], seconds: number, logHeight: number): void;
}

export interface SubnetOptions {
  dataDir: string;
  apps: readonly AppDefinition[];
  /** Required to match the folder's subnet when given; the default names a new one. */
  subnetId?: string;
  observer?: SubnetObserver;
}

export class SubnetClosedError extends Error {
  override name = 'SubnetClosedError';
}

/** Blocks the executor takes from the log per transaction. */
const BLOCKS_PER_RUN = 32;

interface Waiter {
  id: string;
  resolve: (result: CommandResult) => void;
  reject: (error: Error) => void;
}

/**
 * One replica of a subnet: its log, its executor and its signing key. Writes go through the
 * log and resolve once this replica has applied them; reads come from the local state.
 */
export class Subnet {
  readonly subnetId: string;
  readonly nodeKey: SigningKey;
  readonly dataDir: string;
  private readonly log: CommandLog;
  private readonly stateDb: Database.Database;
  private readonly executor: Executor;
  private readonly observer: SubnetObserver | undefined;
  private readonly waiters = new Map<number, Waiter[]>();
  private readonly listeners = new Set<(blocks: readonly AppliedBlock[]) => void>();
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly unwatch: () => void;
  private draining: Promise<void> | undefined;
  private pumpAgain = false;
  private failure: Error | undefined;
  private closed = false;

  /** Opens the replica and applies whatever its log holds beyond its state before serving. */
  static async open(options: SubnetOptions): Promise<Subnet> {
    prepareDataDir(options.dataDir);
    const subnet = new Subnet(options);
    subnet.pump();
    await subnet.draining;
    if (subnet.failure) {
      await subnet.close();
      throw subnet.failure;
    }
    return subnet;
  }

  private constructor(options: SubnetOptions) {
    const files = dataFiles(options.dataDir);
    this.dataDir = options.dataDir;
    this.subnetId = claimSubnetId(options.dataDir, options.subnetId, 'watan-dev');
    this.nodeKey = loadOrCreateSigningKey(files.nodeKey);
    this.observer = options.observer;
    this.log = new SqliteLog(files.log, this.subnetId);
    // State is rebuilt from the log after a power loss, so it need not fsync every commit.
    this.stateDb = openSqlite(files.state, { synchronous: 'NORMAL' });
    this.executor = new Executor({ db: this.stateDb, subnetId: this.subnetId, apps: options.apps, signer: this.nodeKey });
    this.unwatch = this.log.watch(() => this.pump());
  }

  get appliedHeight(): number {
    return this.executor.height;
  }

  /** Why this replica stopped applying its log, if it did; it then refuses writes. */
  get failed(): Error | undefined {
    return this.failure;
  }

  get logHeight(): number {
    return this.log.head().height;
  }

  /** Orders a command and resolves with its result once this replica has applied it. */
  submit(request: SubmitRequest): Promise<CommandResult> {
    if (this.closed) return Promise.reject(new SubnetClosedError('the subnet is shutting down; try again on another replica'));
    if (this.failure) return Promise.reject(this.failure);
    const command = { ...request, id: request.id ?? randomUUID(), time: Date.now() };
    const done = this.log.append([command]).then(([receipt]) => this.awaitResult(receipt as AppendReceipt));
    this.inflight.add(done);
    const forget = () => this.inflight.delete(done);
    done.then(forget, forget);
    return done;
  }

  query(app: string, name: string, args: unknown, caller: string): unknown {
    return this.executor.query(app, name, args, caller);
  }

  result(id: string): CommandResult | undefined {
    return this.executor.result(id);
  }

  resultProof(id: string): ResultProof | undefined {
    return this.executor.resultProof(id);
  }

  latestCertificate(): Certificate | undefined {
    return this.executor.latestCertificate();
  }

  certificate(block: number): Certificate | undefined {
    return this.executor.certificate(block);
  }

  onApplied(listener: (blocks: readonly AppliedBlock[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops taking commands, lets every accepted one finish, and closes the files. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.inflight]);
    this.unwatch();
    await this.draining;
    this.log.close();
    this.stateDb.close();
  }

  private awaitResult(receipt: AppendReceipt): Promise<CommandResult> | CommandResult {
    if (receipt.height <= this.executor.height) {
      const result = this.executor.result(receipt.id);
      if (result) return result;
    }
    return new Promise((resolve, reject) => {
      const list = this.waiters.get(receipt.height) ?? [];
      list.push({ id: receipt.id, resolve, reject });
      this.waiters.set(receipt.height, list);
    });
  }

  private pump(): void {
    if (this.draining) {
      this.pumpAgain = true;
      return;
    }
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
    });
  }

  private async drain(): Promise<void> {
    try {
      do {
        this.pumpAgain = false;
        for (;;) {
          const blocks = await this.log.readFrom(this.executor.height, BLOCKS_PER_RUN);
          if (blocks.length === 0) break;
          this.apply(blocks);
        }
      } while (this.pumpAgain);
    } catch (error) {
      this.fail(error as Error);
    }
  }

  private apply(blocks: LogBlock[]): void {
    const started = performance.now();
    const applied = this.executor.applyBlocks(blocks);
    const seconds = (performance.now() - started) / 1000;
    for (const { results } of applied) {
      for (const result of results) {
        const waiting = this.waiters.get(result.height);
        if (!waiting) continue;
        this.waiters.delete(result.height);
        for (const waiter of waiting) waiter.resolve(waiter.id === result.id ? result : (this.executor.result(waiter.id) ?? result));
      }
    }
    this.observer?.applied(applied, seconds, this.log.head().height);
    for (const listener of this.listeners) listener(applied);
  }

  /** A replica that cannot apply its log must stop serving rather than serve wrong state. */
  private fail(error: Error): void {
    this.failure = error;
    for (const waiting of this.waiters.values()) for (const waiter of waiting) waiter.reject(error);
    this.waiters.clear();
  }
}
