import type { Etcd3, IKeyValue } from 'etcd3';
import { connectEtcd, type PrefixWatch, readPrefixInPages, watchPrefix } from '../cluster/etcd-client.ts';
import { blockKey, blocksPrefix, parseBlockKey, prunedKey, prunedPrefix, votesPrefix } from '../cluster/etcd-keys.ts';
import { type Command, decodeCommand, encodeCommand, validateCommand } from '../command.ts';
import type { SigningKey } from '../node-key.ts';
import type { SqliteSettings } from '../sqlite.ts';
import {
  decodeProposedBlock,
  encodeProposedBlock,
  MalformedBlockError,
  PROPOSAL_BYTES_PER_COMMAND,
  PROPOSAL_OVERHEAD_BYTES,
  signProposal,
} from './block-proposal.ts';
import { type AppendReceipt, type ChainBreak, type CommandLog, type LogBlock, LogError, type LogHead } from './command-log.ts';
import { SqliteLog } from './sqlite-log.ts';

export interface EtcdLogOptions {
  /** `host:port` of the etcd members. */
  endpoints: readonly string[];
  /** The replica's SQLite mirror of the whole ordered log. */
  path: string;
  subnetId: string;
  /** Signs this replica's blocks. */
  nodeKey: SigningKey;
  /** Told each time etcd cannot be reached while opening, before the next try. */
  onUnavailable?: (error: Error, retryInMs: number) => void;
  /** How long to keep trying to reach etcd while opening; by default, until it answers. */
  startTimeoutMs?: number;
  /**
   * How many quorum-certified blocks stay in etcd behind the latest certificate; older ones
   * are deleted (each replica deletes its own), since etcd frees nothing while a key lives.
   * A replica that was down longer state-syncs. DEFAULT_KEEP_CERTIFIED_BLOCKS by default.
   */
  keepCertifiedBlocks?: number;
}

/** Certified blocks kept in etcd: at ~70 KB a busy block, about 700 MB, well inside etcd's 2 GiB quota. */
export const DEFAULT_KEEP_CERTIFIED_BLOCKS = 10_000;

/**
 * A replica's record in etcd of what it deleted, written before it deletes: its own blocks
 * up to `revision` (sequence numbers up to `sequence`) and every vote up to `block`.
 */
interface PruneMarker {
  block: number;
  revision: number;
  sequence: number;
}

/**
 * Blocks this log needs were deleted from etcd behind a quorum-certified snapshot: the replica
 * must install a certified snapshot from a peer (state sync) before it can continue.
 */
export class StateSyncNeededError extends LogError {
  override name = 'StateSyncNeededError';
  readonly prunedRevision: number;

  constructor(mirrored: number, prunedRevision: number) {
    super(
      `this replica's mirror ends at etcd revision ${mirrored}, but blocks up to revision ${prunedRevision} were deleted from etcd ` +
        'behind a certified snapshot: it must state-sync from a peer',
    );
    this.prunedRevision = prunedRevision;
  }
}

/** etcd refused or could not take a write; the message says what an operator can do. */
export class EtcdLogError extends LogError {
  override name = 'EtcdLogError';
}

/**
 * etcd refuses a request over 1.5 MiB (`--max-request-bytes`); a block's value stays under
 * 1 MiB, leaving room for the key and the transaction around it.
 */
export const MAX_BLOCK_BYTES = 1024 * 1024;
const MAX_BLOCK_COMMANDS = 1024;
/** Blocks read per request while catching up; at most MAX_BLOCK_BYTES each. */
const HISTORY_PAGE_BLOCKS = 32;
/** How long an append keeps trying before its caller is told the outcome is unknown. */
const APPEND_GIVE_UP_MS = 30_000;
/** How often one append may find its sequence number taken (by a value it did not write) before giving up. */
const MAX_SEQUENCE_CONFLICTS = 16;
/** Deletes sent to etcd at once while pruning. */
const PRUNE_BATCH = 64;

interface Pending {
  command: Command;
  bytes: Buffer;
  resolve: (receipt: AppendReceipt) => void;
  reject: (error: Error) => void;
}

/**
 * The cluster log on etcd. Each replica proposes its own blocks under its own keys, each
 * created only if absent in one transaction and signed by the replica's node key; etcd's
 * revision order is the subnet's total order. Every replica mirrors the whole ordered log
 * into a local SQLite file (the embedded log's format), numbering blocks and chaining hashes
 * in revision order — identically everywhere — and reads, audits and proofs use the mirror.
 * It reads history in pages, then watches; after a restart it resumes from the mirror's last
 * revision.
 */
export class EtcdLog implements CommandLog {
  readonly subnetId: string;
  private readonly client: Etcd3;
  private readonly mirror: SqliteLog;
  private readonly nodeKey: SigningKey;
  private readonly prefix: string;
  private watcher: PrefixWatch | undefined;
  private revision: number;
  /** Values the watch delivered in this turn of the event loop, mirrored together at its end. */
  private incoming: IKeyValue[] = [];
  private nextSequence: number;
  private pending: Pending[] = [];
  private flushScheduled = false;
  private readonly awaiting = new Map<number, { resolve: (block: LogBlock) => void; reject: (error: Error) => void }>();
  private closed = false;
  private readonly keepCertifiedBlocks: number;
  private pruned: PruneMarker = { block: 0, revision: 0, sequence: 0 };
  private pruning: Promise<void> | undefined;
  private failure: Error | undefined;
  /** Readers are woken on a failure too, so that they read it. */
  private readonly failureListeners = new Set<() => void>();

  static async open(options: EtcdLogOptions): Promise<EtcdLog> {
    const log = new EtcdLog(options, await connectEtcd(options.endpoints));
    try {
      await log.start(options);
    } catch (error) {
      log.close();
      throw error;
    }
    return log;
  }

  private constructor(options: EtcdLogOptions, client: Etcd3) {
    this.subnetId = options.subnetId;
    this.nodeKey = options.nodeKey;
    this.prefix = blocksPrefix(options.subnetId);
    this.mirror = new SqliteLog(options.path, options.subnetId);
    this.client = client;
    this.revision = this.mirror.mirroredRevision();
    this.nextSequence = this.mirror.lastSequenceOf(this.nodeKey.id) + 1;
    this.keepCertifiedBlocks = options.keepCertifiedBlocks ?? DEFAULT_KEEP_CERTIFIED_BLOCKS;
  }

  /** Whether the watch that mirrors new blocks is connected to etcd now. */
  get reachable(): boolean {
    return this.watcher?.connected ?? false;
  }

  /** Catches up from the mirror's last revision (retrying while etcd is unreachable), then watches. */
  private async start(options: EtcdLogOptions): Promise<void> {
    const started = Date.now();
    let wait = 250;
    let snapshot: number;
    for (;;) {
      try {
        snapshot = await this.catchUp();
        break;
      } catch (error) {
        if (this.closed || error instanceof StateSyncNeededError) throw error;
        const waited = Date.now() - started;
        if (options.startTimeoutMs !== undefined && waited + wait > options.startTimeoutMs) {
          throw new EtcdLogError(
            `etcd at ${options.endpoints.join(', ')} could not be reached for ${Math.round(waited / 1000)} s ` +
              `(${(error as Error).message}); start etcd, or check the addresses given to --cluster`,
          );
        }
        options.onUnavailable?.(error as Error, wait);
        await delay(wait);
        wait = Math.min(wait * 2, 5000);
      }
    }
    // New blocks are mirrored as they come; the next proposal's sequence follows what history
    // holds, and never reuses one this replica deleted (a state-synced mirror lacks both).
    const [newest] = await this.client.getAll().prefix(this.ownPrefix()).sort('Key', 'Descend').limit(1).keys();
    const inEtcd = (newest && parseBlockKey(this.subnetId, newest)?.sequence) || 0;
    this.nextSequence = Math.max(this.nextSequence, this.mirror.lastSequenceOf(this.nodeKey.id) + 1, this.pruned.sequence + 1, inEtcd + 1);
    // Held before etcd confirms it, so that closing meanwhile cancels it too.
    this.watcher = watchPrefix(this.client, this.prefix, snapshot, (kv) => this.receive(kv));
    await this.watcher.created;
  }

  /**
   * Mirrors history in pages, all read at one revision; returns that revision. The prune
   * markers are read at that same revision first: a replica writes its marker before it
   * deletes, so any block missing from the pages is named by a marker seen here.
   */
  private async catchUp(): Promise<number> {
    const markers = await this.client.getAll().prefix(prunedPrefix(this.subnetId)).exec();
    const snapshot = Number(markers.header.revision);
    let prunedRevision = 0;
    for (const kv of markers.kvs) {
      const marker = parseMarker(kv.value);
      if (!marker) continue;
      prunedRevision = Math.max(prunedRevision, marker.revision);
      if (kv.key.toString('utf8') === prunedKey(this.subnetId, this.nodeKey.id)) this.pruned = marker;
    }
    if (prunedRevision > this.revision) throw new StateSyncNeededError(this.revision, prunedRevision);
    return readPrefixInPages(this.client, this.prefix, this.revision, HISTORY_PAGE_BLOCKS, (kv) => this.ingest(kv), snapshot);
  }

  /**
   * Values the watch delivers are mirrored together at the end of this turn of the event
   * loop: a replica that fell a few blocks behind writes them in one transaction (one fsync).
   * Their proposers are answered after the commit.
   */
  private receive(kv: IKeyValue): void {
    this.incoming.push(kv);
    if (this.incoming.length === 1) setImmediate(() => this.ingestIncoming());
  }

  private ingestIncoming(): void {
    const batch = this.incoming.splice(0);
    if (this.closed || this.failure) return;
    const answers: (() => void)[] = [];
    try {
      this.mirror.mirrorTogether(() => {
        for (const kv of batch) this.ingest(kv, answers);
      });
    } catch (error) {
      this.stopMirroring(error as Error);
      return;
    }
    for (const answer of answers) answer();
  }

  /**
   * Takes one value from etcd into the mirror, in revision order. A value no correct replica
   * would write is passed over (and remembered with why); every replica passes over the same
   * ones, because they all decode the same bytes with the same code.
   */
  private ingest(kv: IKeyValue, answers?: (() => void)[]): void {
    const revision = Number(kv.mod_revision);
    if (revision <= this.revision || this.closed) return;
    const key = kv.key.toString('utf8');
    let block: LogBlock | undefined;
    try {
      const named = parseBlockKey(this.subnetId, key);
      if (!named) throw new MalformedBlockError(`the key ${key} does not name a proposer and a sequence number`);
      const decoded = decodeProposedBlock(kv.value);
      if (decoded.proposal.proposer !== named.proposer || decoded.proposal.sequence !== named.sequence) {
        throw new MalformedBlockError('the block names another proposer or sequence number than its key');
      }
      block = this.mirror.appendMirrored(decoded.commands, { proposal: decoded.proposal, revision });
    } catch (error) {
      if (!(error instanceof MalformedBlockError)) throw error;
      this.mirror.skipMirrored(revision, key, error.message);
    }
    this.revision = revision;
    // Answered once the mirror committed it; until then a failure rejects it with the rest.
    const answer = () => {
      const waiter = this.awaiting.get(revision);
      if (!waiter) return;
      this.awaiting.delete(revision);
      if (block) waiter.resolve(block);
      else waiter.reject(new EtcdLogError(`the block written at etcd revision ${revision} could not be read back as written`));
    };
    if (answers) answers.push(answer);
    else answer();
  }

  /** The mirror could not take a block (a disk error): the replica must stop rather than skip it. */
  private stopMirroring(error: Error): void {
    this.failure ??= new EtcdLogError(`this replica could not mirror the cluster log: ${error.message}`);
    for (const waiter of this.awaiting.values()) waiter.reject(this.failure);
    this.awaiting.clear();
    void this.watcher?.cancel();
    for (const listener of this.failureListeners) listener();
  }

  async append(commands: Command[]): Promise<AppendReceipt[]> {
    if (this.closed) throw new LogError('the log is closed');
    if (this.failure) throw this.failure;
    const encoded = commands.map((command) => {
      validateCommand(command);
      const bytes = encodeCommand(command);
      if (bytes.length + PROPOSAL_OVERHEAD_BYTES + PROPOSAL_BYTES_PER_COMMAND > MAX_BLOCK_BYTES) {
        throw new EtcdLogError(
          `command ${command.id} is ${bytes.length} bytes; a block in etcd holds at most ${MAX_BLOCK_BYTES - PROPOSAL_OVERHEAD_BYTES} bytes of commands`,
        );
      }
      return { command: decodeCommand(bytes), bytes };
    });
    const receipts = encoded.map(
      ({ command, bytes }) => new Promise<AppendReceipt>((resolve, reject) => this.pending.push({ command, bytes, resolve, reject })),
    );
    this.scheduleFlush();
    return Promise.all(receipts);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      for (const batch of splitIntoBlocks(this.pending.splice(0))) void this.propose(batch);
    });
  }

  /** Writes one block under this replica's next key and answers its commands once the mirror has ordered it. */
  private async propose(batch: Pending[]): Promise<void> {
    try {
      const revision = await this.commit(batch.map((entry) => entry.bytes));
      const block = await this.mirrored(revision);
      for (const [i, entry] of batch.entries()) {
        const written = block.entries[i];
        if (!written || written.command.id !== entry.command.id) throw new EtcdLogError(`etcd revision ${revision} holds another block`);
        entry.resolve({ id: written.command.id, height: written.height, block: block.block });
      }
    } catch (error) {
      for (const entry of batch) entry.reject(error as Error);
    }
  }

  /**
   * Creates the block's key only if absent, and settles every doubt by reading the key back:
   * a write whose reply was lost is retried as the same create-if-absent with the same bytes,
   * which either creates it or finds it there. Never a blind retry under a new key, which could
   * order the block twice.
   */
  private async commit(commands: readonly Buffer[]): Promise<number> {
    const started = Date.now();
    let conflicts = 0;
    let wait = 100;
    for (;;) {
      const sequence = this.nextSequence++;
      const key = blockKey(this.subnetId, this.nodeKey.id, sequence);
      const value = encodeProposedBlock(signProposal(this.nodeKey, this.subnetId, sequence, commands), commands);
      for (;;) {
        if (this.closed) throw new LogError('the log was closed before this block was ordered; its outcome is unknown until read back');
        try {
          const reply = await this.client
            .if(key, 'Create', '==', 0)
            .then(this.client.put(key).value(value))
            .else(this.client.get(key))
            .commit();
          if (reply.succeeded) return Number(reply.header.revision);
          const existing = reply.responses[0]?.response_range?.kvs[0];
          if (existing && Buffer.from(existing.value).equals(value)) return Number(existing.mod_revision);
          break; // Someone else's value holds this key: take the next sequence number.
        } catch (error) {
          const refusal = refusalOf(error as Error);
          if (refusal) throw refusal;
          if (Date.now() - started > APPEND_GIVE_UP_MS) {
            throw new EtcdLogError(
              `etcd did not confirm a block for ${APPEND_GIVE_UP_MS / 1000} s (${(error as Error).message}); ` +
                'its commands may or may not be ordered: submit them again with the same ids, which run at most once',
            );
          }
          await delay(wait);
          wait = Math.min(wait * 2, 2000);
        }
      }
      if (++conflicts >= MAX_SEQUENCE_CONFLICTS) {
        throw new EtcdLogError(`${conflicts} of this replica's block keys were already taken by values it did not write`);
      }
    }
  }

  private mirrored(revision: number): Promise<LogBlock> {
    if (revision <= this.revision) {
      const block = this.mirror.blockAtRevision(revision);
      return block ? Promise.resolve(block) : Promise.reject(new EtcdLogError(`etcd revision ${revision} is not a block in the mirror`));
    }
    return new Promise((resolve, reject) => this.awaiting.set(revision, { resolve, reject }));
  }

  readFrom(afterHeight: number, maxBlocks: number): Promise<LogBlock[]> {
    if (this.failure) return Promise.reject(this.failure);
    return this.mirror.readFrom(afterHeight, maxBlocks);
  }

  head(): LogHead {
    return this.mirror.head();
  }

  hashAt(height: number): Buffer | undefined {
    return this.mirror.hashAt(height);
  }

  watch(listener: () => void): () => void {
    this.failureListeners.add(listener);
    const unwatch = this.mirror.watch(listener);
    return () => {
      this.failureListeners.delete(listener);
      unwatch();
    };
  }

  verifyChain(): ChainBreak | null {
    return this.mirror.verifyChain();
  }

  /** The mirror's SQLite settings; an append is acknowledged once etcd's quorum has it and the mirror holds it. */
  settings(): SqliteSettings {
    return this.mirror.settings();
  }

  /**
   * A quorum certified `block`: once it is more than keepCertifiedBlocks behind, this replica
   * deletes its own blocks up to there (and every vote), recording first what it deletes. One
   * pruning at a time, in steps, so a busy subnet does not add a marker write per block.
   */
  certified(block: number): void {
    const through = block - this.keepCertifiedBlocks;
    const step = Math.max(1, Math.min(256, Math.floor(this.keepCertifiedBlocks / 4)));
    if (this.closed || this.pruning || through < this.pruned.block + step) return;
    this.pruning = this.prune(through)
      .catch((error: Error) => {
        if (!this.closed) process.emitWarning(`could not delete certified blocks from etcd: ${error.message}`);
      })
      .finally(() => {
        this.pruning = undefined;
      });
  }

  private async prune(through: number): Promise<void> {
    const revision = this.mirror.revisionOfBlock(through);
    if (revision === undefined) return;
    // Read from etcd, not the mirror: a state-synced mirror lacks this replica's older blocks.
    const keys = await this.client.getAll().prefix(this.ownPrefix()).maxModRevision(revision).keys();
    const own = keys.flatMap((key) => parseBlockKey(this.subnetId, key)?.sequence ?? []);
    const marker: PruneMarker = {
      block: through,
      revision: Math.max(revision, this.pruned.revision),
      sequence: Math.max(this.pruned.sequence, ...own),
    };
    await this.client.put(prunedKey(this.subnetId, this.nodeKey.id)).value(JSON.stringify(marker));
    for (let i = 0; i < keys.length; i += PRUNE_BATCH) {
      await Promise.all(keys.slice(i, i + PRUNE_BATCH).map((key) => this.client.delete().key(key).exec()));
    }
    // Votes for a certified block are not needed again; deleting a range twice is harmless.
    const votes = votesPrefix(this.subnetId);
    await this.client
      .delete()
      .inRange({ start: `${votes}${String(1).padStart(16, '0')}`, end: `${votes}${String(through + 1).padStart(16, '0')}` })
      .exec();
    this.pruned = marker;
  }

  /** Where this replica's own blocks are (keys sort by sequence number: it is zero-padded). */
  private ownPrefix(): string {
    return blockKey(this.subnetId, this.nodeKey.id, 0).slice(0, -16);
  }

  /** The etcd revision that ordered `block`, if the mirror holds it (a snapshot at `block` continues after it). */
  revisionOfBlock(block: number): number | undefined {
    return this.mirror.revisionOfBlock(block);
  }

  /** The last etcd revision the mirror holds. */
  get mirroredRevision(): number {
    return this.revision;
  }

  /** Values in etcd passed over as not blocks, with why. */
  skipped(): { revision: number; key: string; reason: string }[] {
    return this.mirror.skippedProposals();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const closing = new LogError('the log was closed before this command was ordered');
    for (const entry of this.pending.splice(0)) entry.reject(closing);
    for (const waiter of this.awaiting.values()) waiter.reject(closing);
    this.awaiting.clear();
    void this.watcher?.cancel();
    this.client.close();
    this.mirror.close();
  }
}

/** Groups pending commands into blocks that each fit one etcd request. */
function splitIntoBlocks(pending: Pending[]): Pending[][] {
  const blocks: Pending[][] = [];
  let current: Pending[] = [];
  let size = PROPOSAL_OVERHEAD_BYTES;
  for (const entry of pending) {
    const added = entry.bytes.length + PROPOSAL_BYTES_PER_COMMAND;
    if (current.length > 0 && (size + added > MAX_BLOCK_BYTES || current.length >= MAX_BLOCK_COMMANDS)) {
      blocks.push(current);
      current = [];
      size = PROPOSAL_OVERHEAD_BYTES;
    }
    current.push(entry);
    size += added;
  }
  if (current.length > 0) blocks.push(current);
  return blocks;
}

/** etcd errors that retrying cannot fix, as errors an operator can act on; undefined for the rest. */
function refusalOf(error: Error): EtcdLogError | undefined {
  if (error.message.includes('database space exceeded')) {
    return new EtcdLogError(
      'etcd refuses writes: its space quota is full (NOSPACE alarm). Nothing acknowledged is lost; an operator must free space ' +
        '(prune certified blocks, compact, defragment) and disarm the alarm (etcdctl alarm disarm)',
    );
  }
  if (error.message.includes('request is too large')) {
    return new EtcdLogError(`etcd refused a block as too large (${error.message}); raise etcd's --max-request-bytes`);
  }
  return undefined;
}

/** A prune marker as a replica writes it, or undefined for anything else under the prefix. */
function parseMarker(value: Buffer): PruneMarker | undefined {
  try {
    const marker = JSON.parse(value.toString('utf8')) as PruneMarker;
    const whole = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 0;
    return whole(marker?.block) && whole(marker.revision) && whole(marker.sequence) ? marker : undefined;
  } catch {
    return undefined;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
