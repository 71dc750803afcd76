import type Database from 'better-sqlite3';
import type { AppDefinition } from './app.ts';
import type { JsonValue } from './canonical-json.ts';
import { Certifier } from './certification/certifier.ts';
import type { CertificationChannel } from './certification/channel.ts';
import type { Divergence } from './certification/collector.ts';
import { DivergenceError, keepDivergenceEvidence } from './certification/evidence.ts';
import type { Certificate } from './checkpoint.ts';
import { newCommandId } from './command.ts';
import { claimSubnetId, DataDirError, dataFiles, lockDataDir, prepareDataDir } from './data-dir.ts';
import { type AppliedBlock, Executor, type ResultProof } from './executor.ts';
import type { CommandLog, LogBlock } from './log/command-log.ts';
import { StateSyncNeededError } from './log/etcd-log.ts';
import { SqliteLog } from './log/sqlite-log.ts';
import { loadOrCreateSigningKey, type SigningKey } from './node-key.ts';
import type { CommandResult } from './results.ts';
import { openSqlite, type SqliteSettings, sqliteSettings } from './sqlite.ts';
import { sealDataDir, takeSeal, verifyAtStart } from './startup-trust.ts';
import { StateCheckpointer } from './state-checkpointer.ts';
import type { OwnCheckpoint } from './state-db.ts';
import { installSnapshot, portableImage, type VerifiedSnapshot } from './state-sync.ts';

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
  /** The replica stopped applying its log (it then refuses writes); called once. */
  failed?(error: Error): void;
  /** A quorum certified a block. */
  certified?(certificate: Certificate): void;
}

/**
 * A log a replica runs on: the contract, and the SQLite file under it (the log itself, or a
 * cluster log's mirror). A cluster log also hears of certificates (to forget what they cover)
 * and says which etcd revision ordered a block (where a snapshot at it continues).
 */
export type ReplicaLog = CommandLog & {
  settings(): SqliteSettings;
  certified?(block: number): void;
  revisionOfBlock?(block: number): number | undefined;
  /** A cluster log: whether it reaches the service that orders blocks now. */
  readonly reachable?: boolean;
};

/** What opening a replica's log may use: its file in the data folder, its subnet, and its key to sign what it proposes. */
export interface LogContext {
  path: string;
  subnetId: string;
  nodeKey: SigningKey;
}

export interface SubnetOptions {
  dataDir: string;
  /** Opens the replica's log; the default is the embedded SQLite log. */
  openLog?: (context: LogContext) => Promise<ReplicaLog>;
  apps: readonly AppDefinition[];
  /** Required to match the folder's subnet when given; the default names a new one. */
  subnetId?: string;
  observer?: SubnetObserver;
  /** How this replica exchanges checkpoint votes with the others; a node alone needs none. */
  channel?: CertificationChannel;
  /** Opens a channel the replica owns and closes when it closes (a cluster's etcd channel); instead of `channel`. */
  openChannel?: (context: LogContext) => Promise<OwnedChannel>;
  /**
   * Fetches and verifies a peer's certified snapshot, for when the log says the blocks this
   * replica needs are gone (StateSyncNeededError); without it such a replica refuses to start.
   */
  fetchSnapshot?: (context: LogContext & { apps: readonly AppDefinition[] }) => Promise<VerifiedSnapshot>;
}

/** How often a replica installs a snapshot and tries its log again before giving up (pruning may pass a lagging peer's snapshot). */
const STATE_SYNC_ATTEMPTS = 3;

/** A certification channel whose connection the replica holds until it closes. */
export type OwnedChannel = CertificationChannel & { close(): Promise<void> };

export class SubnetClosedError extends Error {
  override name = 'SubnetClosedError';
}

/** Blocks the executor takes from the log per transaction. */
const BLOCKS_PER_RUN = 32;
/** How many uncertified blocks a restarted replica votes for again. */
const REVOTE_BLOCKS = 1024;

interface Waiter {
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
  private readonly log: ReplicaLog;
  private readonly stateDb: Database.Database;
  private readonly checkpointer: StateCheckpointer;
  private readonly executor: Executor;
  private readonly certifier: Certifier;
  /** Who waits for the certificate of each block: a certificate wakes only its own block's waiters. */
  private readonly certificateListeners = new Map<number, Set<(certificate: Certificate | undefined) => void>>();
  private readonly observer: SubnetObserver | undefined;
  /** Submitters waiting for a command id's first result, registered before it is appended. */
  private readonly waiters = new Map<string, Waiter[]>();
  private readonly listeners = new Set<(blocks: readonly AppliedBlock[]) => void>();
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly unwatch: () => void;
  private readonly releaseLock: () => void;
  private readonly ownedChannel: OwnedChannel | undefined;
  private draining: Promise<void> | undefined;
  private pumpAgain = false;
  private failure: Error | undefined;
  private closed = false;

  /** Opens the replica and applies whatever its log holds beyond its state before serving. */
  static async open(options: SubnetOptions): Promise<Subnet> {
    prepareDataDir(options.dataDir);
    const files = dataFiles(options.dataDir);
    // Whose folder this is comes first: it is the more useful refusal when both apply.
    const subnetId = claimSubnetId(options.dataDir, options.subnetId, 'watan-dev');
    const releaseLock = lockDataDir(options.dataDir);
    let nodeKey: SigningKey;
    let log: ReplicaLog | undefined;
    let channel: OwnedChannel | undefined;
    try {
      nodeKey = loadOrCreateSigningKey(files.nodeKey);
      const context = { path: files.log, subnetId, nodeKey };
      log = await openSyncing(options, context);
      channel = await options.openChannel?.(context);
    } catch (error) {
      log?.close();
      releaseLock();
      throw error;
    }
    let subnet: Subnet;
    try {
      subnet = new Subnet(options, { subnetId, nodeKey, log, channel, releaseLock });
    } catch (error) {
      await channel?.close();
      throw error;
    }
    subnet.pump();
    await subnet.draining;
    if (subnet.failure) {
      await subnet.close();
      throw subnet.failure;
    }
    // Votes are taken once the log is applied, so that none is dropped as too far ahead.
    subnet.certifier.listen();
    return subnet;
  }

  /** What `snapshot()` serves: the state at a block, and where the cluster log continues after it. */
  snapshotWithRevision(): { block: number; image: Buffer; revision: number | undefined } {
    const { block, image } = this.snapshot();
    return { block, image, revision: this.log.revisionOfBlock?.(block) };
  }

  private constructor(
    options: SubnetOptions,
    opened: { subnetId: string; nodeKey: SigningKey; log: ReplicaLog; channel: OwnedChannel | undefined; releaseLock: () => void },
  ) {
    const files = dataFiles(options.dataDir);
    this.dataDir = options.dataDir;
    this.subnetId = opened.subnetId;
    this.releaseLock = opened.releaseLock;
    this.nodeKey = opened.nodeKey;
    this.log = opened.log;
    this.ownedChannel = opened.channel;
    const handles: { close(): void }[] = [this.log];
    try {
      // The seal vouches for the files exactly as they were left (a log opened before this
      // that changed its file only costs a full check).
      const sealed = takeSeal(this.dataDir, this.subnetId, this.nodeKey);
      this.observer = options.observer;
      // State is rebuilt from the log after a power loss, so it need not fsync every commit.
      this.stateDb = openSqlite(files.state, { synchronous: 'NORMAL' });
      handles.push(this.stateDb);
      this.checkpointer = new StateCheckpointer(this.stateDb, files.state);
      handles.push(this.checkpointer);
      this.executor = new Executor({ db: this.stateDb, subnetId: this.subnetId, apps: options.apps, signer: this.nodeKey });
      this.assertStateFollowsLog();
      verifyAtStart(this.dataDir, this.executor, this.log, this.nodeKey, !sealed);
      this.certifier = new Certifier({
        db: this.stateDb,
        subnetId: this.subnetId,
        channel: opened.channel ?? options.channel,
        certified: (certificate) => this.announce(certificate),
        diverged: (divergence) => this.diverge(divergence),
      });
      handles.push(this.certifier);
      const certified = this.executor.latestCertificate()?.checkpoint.block ?? 0;
      this.certifier.resume(Math.max(certified + 1, this.executor.block - REVOTE_BLOCKS));
    } catch (error) {
      for (const handle of handles.reverse()) handle.close();
      this.releaseLock();
      throw error;
    }
    this.unwatch = this.log.watch(() => this.pump());
  }

  /**
   * The state must have been built from this very log: a log that is shorter than the state
   * or holds another history (restored from an old copy, truncated, replaced) would leave the
   * replica waiting forever for heights it already has, or serving state the log cannot explain.
   */
  private assertStateFollowsLog(): void {
    const { height } = this.executor;
    const logHeight = this.log.head().height;
    if (logHeight < height) {
      throw new DataDirError(
        `${this.dataDir}: the state is at height ${height} but the log ends at ${logHeight} (truncated, or restored from an older copy); ` +
          'restore the log, or move state.sqlite away so the state is rebuilt from the log',
      );
    }
    if (!this.log.hashAt(height)?.equals(this.executor.logHead)) {
      throw new DataDirError(
        `${this.dataDir}: the log's entry at height ${height} is not the one the state was built from; the log was replaced or altered — run watan audit`,
      );
    }
  }

  get appliedHeight(): number {
    return this.executor.height;
  }

  /** Why this replica stopped applying its log, if it did; it then refuses writes. */
  get failed(): Error | undefined {
    return this.failure;
  }

  /** The SQLite settings behind the log's acknowledgements and the state, as in force now. */
  durability(): { log: SqliteSettings; state: SqliteSettings } {
    return { log: this.log.settings(), state: sqliteSettings(this.stateDb) };
  }

  get logHeight(): number {
    return this.log.head().height;
  }

  /**
   * Whether this replica reaches the service that orders its log (always, for the embedded
   * log). A replica cut off serves what it holds, but its writes wait until it is back.
   */
  get orderingReachable(): boolean {
    return this.log.reachable ?? true;
  }

  /**
   * Orders a command and resolves with its result once this replica has applied it. A
   * command id that already ran, or is already on its way, is not ordered again: the caller
   * gets the first execution's result.
   */
  submit(request: SubmitRequest): Promise<CommandResult> {
    if (this.closed) return Promise.reject(new SubnetClosedError('the subnet is shutting down; try again on another replica'));
    if (this.failure) return Promise.reject(this.failure);
    const id = request.id ?? newCommandId();
    if (request.id !== undefined) {
      const earlier = this.executor.result(id);
      if (earlier) return Promise.resolve(earlier);
    }
    const alreadyOrdered = this.waiters.has(id);
    const done = new Promise<CommandResult>((resolve, reject) => {
      const list = this.waiters.get(id) ?? [];
      list.push({ resolve, reject });
      this.waiters.set(id, list);
    });
    if (!alreadyOrdered) {
      this.log.append([{ ...request, id, time: Date.now() }]).catch((error: Error) => this.settle(id, (waiter) => waiter.reject(error)));
    }
    this.inflight.add(done);
    const forget = () => this.inflight.delete(done);
    done.then(forget, forget);
    return done;
  }

  /** Runs a query in one read transaction (see ReadTransaction). */
  query(app: string, name: string, args: unknown, caller: string): unknown {
    return this.read(() => this.executor.query(app, name, args, caller));
  }

  /**
   * Runs `reads` (queries) in one read transaction, so that they see one moment of the state and
   * take the WAL's read lock once; inside another, it simply runs.
   */
  read<T>(reads: () => T): T {
    return this.executor.read(reads);
  }

  result(id: string): CommandResult | undefined {
    return this.executor.result(id);
  }

  resultProof(id: string): ResultProof | undefined {
    return this.executor.resultProof(id);
  }

  /** The latest quorum certificate. */
  latestCertificate(): Certificate | undefined {
    return this.executor.latestCertificate();
  }

  /** The quorum certificate of `block`, once there is one. */
  certificate(block: number): Certificate | undefined {
    return this.executor.certificate(block);
  }

  get appliedBlock(): number {
    return this.executor.block;
  }

  /** The checkpoint this replica itself reached after `block`, with its own signature. */
  ownCheckpoint(block: number): OwnCheckpoint | undefined {
    return this.executor.checkpoint(block);
  }

  /** This replica's whole state as one SQLite image, at the block it has applied (see state-sync.ts). */
  snapshot(): { block: number; image: Buffer } {
    return { block: this.executor.block, image: portableImage(this.stateDb.serialize()) };
  }

  /** The block that first ran command `id`, once applied. */
  blockOf(id: string): number | undefined {
    return this.executor.blockOf(id);
  }

  /** Resolves with the quorum certificate of `block`, or undefined if none comes within `ms`. */
  waitForCertificate(block: number, ms: number): Promise<Certificate | undefined> {
    const now = this.certificate(block);
    if (now || ms <= 0 || this.closed) return Promise.resolve(now);
    return new Promise((resolve) => {
      const waiting = this.certificateListeners.get(block) ?? new Set();
      this.certificateListeners.set(block, waiting);
      const done = (certificate: Certificate | undefined) => {
        clearTimeout(timer);
        waiting.delete(listener);
        if (waiting.size === 0 && this.certificateListeners.get(block) === waiting) this.certificateListeners.delete(block);
        resolve(certificate);
      };
      // Undefined means the replica is closing: answer with what there is.
      const listener = (certificate: Certificate | undefined) => done(certificate ?? this.certificate(block));
      const timer = setTimeout(() => done(this.certificate(block)), ms);
      waiting.add(listener);
    });
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
    this.certifier.close();
    for (const waiting of [...this.certificateListeners.values()]) for (const listener of [...waiting]) listener(undefined);
    await this.ownedChannel?.close();
    this.log.close();
    this.checkpointer.close();
    this.stateDb.close();
    // A replica that failed is not vouched for: its next start checks everything.
    if (!this.failure) {
      try {
        sealDataDir(this.dataDir, this.subnetId, this.nodeKey, this.executor.height);
      } catch (error) {
        // Unsealed is safe: the next start checks the whole folder instead.
        process.emitWarning(`could not seal the data folder: ${(error as Error).message}`);
      }
    }
    this.releaseLock();
  }

  private settle(id: string, action: (waiter: Waiter) => void): void {
    const list = this.waiters.get(id);
    if (!list) return;
    this.waiters.delete(id);
    for (const waiter of list) action(waiter);
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
          if (this.failure) return;
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
    this.checkpointer.committed();
    this.certifier.applied(applied);
    // Observers and listeners run after the commit; their failure is theirs, not the replica's.
    // Listeners go before the submitters are answered, so that those waiting on a write (a
    // long-polling sync) hear of it no later than its author hears it was done.
    try {
      this.observer?.applied(applied, seconds, this.log.head().height);
    } catch (error) {
      process.emitWarning(`a subnet observer failed: ${(error as Error).message}`);
    }
    for (const listener of this.listeners) {
      try {
        listener(applied);
      } catch (error) {
        process.emitWarning(`a subnet listener failed: ${(error as Error).message}`);
      }
    }
    for (const { results, refused } of applied) {
      // A refused block from another proposer may copy a command of ours: the command still
      // waits for a member to order it. A refusal of our own block is this replica's answer.
      if (refused && refused.proposer !== this.nodeKey.id) continue;
      for (const { app: _app, ...result } of results) {
        if (!this.waiters.has(result.id)) continue;
        // A repeat ordered by another replica answers with the first execution's result.
        const answer = !result.ok && result.error.code === 'DUPLICATE' ? (this.executor.result(result.id) ?? result) : result;
        this.settle(result.id, (waiter) => waiter.resolve(answer));
      }
    }
  }

  private announce(certificate: Certificate): void {
    this.log.certified?.(certificate.checkpoint.block);
    try {
      this.observer?.certified?.(certificate);
    } catch (error) {
      process.emitWarning(`a subnet observer failed: ${(error as Error).message}`);
    }
    for (const listener of [...(this.certificateListeners.get(certificate.checkpoint.block) ?? [])]) listener(certificate);
  }

  /** A quorum certified other state than this replica's: keep the proof, then stop serving. */
  private diverge(divergence: Divergence): void {
    let error: Error;
    try {
      error = keepDivergenceEvidence(this.dataDir, divergence, this.executor.checkpoint(divergence.block)?.signature);
    } catch (cause) {
      error = new DivergenceError(divergence.block, `nowhere (writing it failed: ${(cause as Error).message})`);
    }
    this.fail(error);
  }

  /** A replica that cannot apply its log must stop serving rather than serve wrong state. */
  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    try {
      this.observer?.failed?.(error);
    } catch {
      // Reporting a failure must not add another.
    }
    for (const id of [...this.waiters.keys()]) this.settle(id, (waiter) => waiter.reject(error));
  }
}

/** Opens the replica's log; when the blocks it needs were pruned, installs a peer's certified snapshot first. */
async function openSyncing(options: SubnetOptions, context: LogContext): Promise<ReplicaLog> {
  for (let attempt = 1; ; attempt++) {
    try {
      return options.openLog ? await options.openLog(context) : new SqliteLog(context.path, context.subnetId);
    } catch (error) {
      if (!(error instanceof StateSyncNeededError) || !options.fetchSnapshot || attempt > STATE_SYNC_ATTEMPTS) throw error;
      const snapshot = await options.fetchSnapshot({ ...context, apps: options.apps });
      installSnapshot(options.dataDir, context.subnetId, context.nodeKey, snapshot);
    }
  }
}
