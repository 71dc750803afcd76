import type Database from 'better-sqlite3';
import { type Command, decodeCommand, encodeCommand, validateCommand } from '../command.ts';
import { openSqlite, type SqliteSettings, sqliteSettings } from '../sqlite.ts';
import { decodeBlockEntries, encodeBlockEntries, splitBlockEntries } from './block-encoding.ts';
import type { BlockProposal } from './block-proposal.ts';
import { BlockWriter } from './block-writer.ts';
import {
  type AppendReceipt,
  type ChainBreak,
  type CommandLog,
  chainHash,
  genesisHash,
  type LogBlock,
  type LogEntry,
  LogError,
  type LogHead,
} from './command-log.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS log_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS blocks (
  block INTEGER PRIMARY KEY,
  first_height INTEGER NOT NULL,
  last_height INTEGER NOT NULL,
  entries BLOB NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS block_proposals (
  block INTEGER PRIMARY KEY,
  proposer TEXT NOT NULL,
  sequence INTEGER NOT NULL,
  signature BLOB NOT NULL,
  revision INTEGER NOT NULL UNIQUE
) STRICT;
CREATE TABLE IF NOT EXISTS skipped_proposals (revision INTEGER PRIMARY KEY, key TEXT NOT NULL, reason TEXT NOT NULL) STRICT;
`;

/** The most commands ordered into one block; a larger burst becomes several blocks. */
const MAX_BLOCK_COMMANDS = 1024;
/** Recently appended commands kept decoded, so the local executor need not read them back. */
const RECENT_ENTRIES = 16_384;

interface Pending {
  command: Command;
  bytes: Buffer;
  resolve: (receipt: AppendReceipt) => void;
  reject: (error: Error) => void;
}

interface ProposalRow {
  block: number;
  proposer: string;
  sequence: number;
  signature: Buffer;
}

/** Where a mirrored block came from in the cluster log. */
export interface MirroredOrigin {
  proposal: BlockProposal;
  /** The etcd revision that ordered it. */
  revision: number;
}

/**
 * Where a mirror installed by state sync begins: the certified block its state was taken at.
 * The log holds no entries up to it; its chain continues from `hash`.
 */
export interface LogBase {
  block: number;
  height: number;
  hash: Buffer;
  /** The etcd revision of that block; mirroring continues after it. */
  revision: number;
}

interface BlockRow {
  block: number;
  first_height: number;
  last_height: number;
  entries: Buffer;
}

/**
 * The embedded log: one SQLite file in WAL mode with synchronous=FULL, so an append is
 * acknowledged only after fsync. Appends are group-committed as blocks: one row, one
 * transaction, one fsync. The row is written and synced by a thread of its own (block-writer.ts),
 * one block at a time, so the event loop applies and answers the last block while the next one
 * reaches the disk; appends that arrive meanwhile make the next block. A block is readable here
 * (and so applied) only once it is on disk. The log orders; it
 * does not judge — a command id appended twice is ordered twice and the executor runs it once.
 *
 * The same file is a cluster replica's mirror of the etcd log: blocks are then written as
 * etcd ordered them (`appendMirrored`), each with its proposer's signature and etcd revision,
 * so audit, replay and proofs read a mirror exactly as they read an embedded log.
 */
export class SqliteLog implements CommandLog {
  readonly subnetId: string;
  private readonly path: string;
  private readonly db: Database.Database;
  private pending: Pending[] = [];
  private flushScheduled = false;
  /** Writes appended blocks off the event loop; started at the first append. */
  private writer: BlockWriter | undefined;
  /** A block is on its way to the disk; the next waits for it. */
  private writing = false;
  private closed = false;
  private readonly listeners = new Set<() => void>();
  private readonly recent = new Map<number, LogBlock>();
  /** The same blocks by the height of their first entry, which is what the executor asks by. */
  private readonly recentByFirstHeight = new Map<number, LogBlock>();
  private recentEntries = 0;
  private current: LogHead;
  private base: LogBase | undefined;
  /** Inside mirrorTogether: watchers hear of new blocks once the whole batch committed. */
  private batching = false;
  private batchWrote = false;
  private readonly statements;

  /** `readonly` opens an existing log for auditing; appends then fail. */
  constructor(path: string, subnetId: string, options: { readonly?: boolean } = {}) {
    this.subnetId = subnetId;
    this.path = path;
    this.db = openSqlite(path, { synchronous: 'FULL', readonly: options.readonly ?? false });
    if (!options.readonly) this.db.exec(SCHEMA);
    this.claimSubnet(subnetId);
    this.statements = {
      insertBlock: this.db.prepare('INSERT INTO blocks (block, first_height, last_height, entries) VALUES (?, ?, ?, ?)'),
      blocksAfter: this.db.prepare<[number, number, number], BlockRow>(
        'SELECT block, first_height, last_height, entries FROM blocks WHERE last_height > ? AND last_height <= ? ORDER BY block LIMIT ?',
      ),
      // A log made before cluster mirrors (opened read-only for an audit) has no proposals table.
      proposalOf: this.hasTable('block_proposals')
        ? this.db.prepare<[number], ProposalRow>('SELECT block, proposer, sequence, signature FROM block_proposals WHERE block = ?')
        : undefined,
    };
    this.base = this.readBase();
    this.current = this.readHead();
  }

  /**
   * Makes an empty mirror begin after a certified block instead of at the genesis (state sync):
   * the entries up to it are not held, and the chain continues from its hash.
   */
  startAt(base: LogBase): void {
    if (this.current.height > 0 || this.base) throw new LogError('only an empty log can start after a state-synced block');
    this.db
      .prepare("INSERT INTO log_meta (key, value) VALUES ('base', ?)")
      .run(JSON.stringify({ ...base, hash: base.hash.toString('hex') }));
    this.base = this.readBase();
    this.current = this.readHead();
  }

  /** The block this log begins after (state sync), or undefined when it holds the whole history. */
  get startsAfter(): LogBase | undefined {
    return this.base && { ...this.base };
  }

  async append(commands: Command[]): Promise<AppendReceipt[]> {
    // Validate the whole call first, so a bad command refuses the call before any is queued.
    // What runs is what was logged: the command is decoded back from its canonical bytes, so
    // the caller's object (mutated later, or holding values JSON drops) never reaches an app.
    const encoded = commands.map((command) => {
      validateCommand(command);
      const bytes = encodeCommand(command);
      return { command: decodeCommand(bytes), bytes };
    });
    const receipts = encoded.map(
      ({ command, bytes }) => new Promise<AppendReceipt>((resolve, reject) => this.pending.push({ command, bytes, resolve, reject })),
    );
    this.scheduleFlush();
    return Promise.all(receipts);
  }

  async readFrom(afterHeight: number, maxBlocks: number): Promise<LogBlock[]> {
    return this.readFromSync(afterHeight, maxBlocks);
  }

  /** The embedded log can read synchronously, as an audit's replay wants. */
  readFromSync(afterHeight: number, maxBlocks: number): LogBlock[] {
    const blocks: LogBlock[] = [];
    let next = this.recentFrom(afterHeight);
    while (next && blocks.length < maxBlocks) {
      blocks.push(next);
      next = this.recent.get(next.block + 1);
    }
    if (blocks.length > 0) return blocks;
    // What this log appends is read once it is acknowledged (the writer thread's commit is visible a moment before).
    const upTo = this.writer ? this.current.height : Number.MAX_SAFE_INTEGER;
    // The executor asks once more after every run, to learn it is done: no read of the file for that.
    if (afterHeight >= upTo) return [];
    return this.statements.blocksAfter.all(afterHeight, upTo, maxBlocks).map((row) => {
      const proposal = this.statements.proposalOf?.get(row.block);
      return {
        block: row.block,
        entries: decodeBlockEntries(row.block, row.first_height, row.entries),
        ...(proposal ? { proposal: { proposer: proposal.proposer, sequence: proposal.sequence, signature: proposal.signature } } : {}),
      };
    });
  }

  /**
   * Writes one block exactly as a cluster log ordered it, with its origin, in one transaction;
   * the caller has already decoded and validated the commands.
   */
  appendMirrored(commands: readonly { command: Command; bytes: Buffer }[], origin: MirroredOrigin): LogBlock {
    const write = this.db.transaction(() => {
      const written = this.nextBlock(commands);
      this.statements.insertBlock.run(written.block, written.firstHeight, written.lastHeight, written.bytes);
      this.current = written.head;
      const { proposer, sequence, signature } = origin.proposal;
      this.db
        .prepare('INSERT INTO block_proposals (block, proposer, sequence, signature, revision) VALUES (?, ?, ?, ?, ?)')
        .run(written.block, proposer, sequence, signature, origin.revision);
      return { block: written.block, entries: written.entries, proposal: origin.proposal };
    });
    let block: LogBlock;
    try {
      block = write();
    } catch (error) {
      this.current = this.readHead();
      throw error;
    }
    this.remember(block);
    if (this.batching) this.batchWrote = true;
    else for (const listener of this.listeners) listener();
    return block;
  }

  /**
   * Runs `write` (appendMirrored and skipMirrored calls, in order) as one transaction: the
   * blocks a cluster watch delivered together cost one fsync instead of one each, with the
   * same durability (nothing is acknowledged or applied before the commit). Watchers hear of
   * the blocks only after it committed, so the state never runs ahead of the mirror on disk.
   */
  mirrorTogether<T>(write: () => T): T {
    if (this.batching) return write();
    this.batching = true;
    this.batchWrote = false;
    let result: T;
    try {
      result = this.db.transaction(write)();
    } catch (error) {
      // Rolled back: forget what the batch wrote before it failed, kept nowhere but in memory.
      this.current = this.readHead();
      for (const block of [...this.recent.values()]) if (block.block > this.current.block) this.forget(block);
      throw error;
    } finally {
      this.batching = false;
    }
    if (this.batchWrote) for (const listener of this.listeners) listener();
    return result;
  }

  /** Records a value in the cluster log that is not a block anyone could run, so it is passed over once and remembered. */
  skipMirrored(revision: number, key: string, reason: string): void {
    this.db.prepare('INSERT INTO skipped_proposals (revision, key, reason) VALUES (?, ?, ?)').run(revision, key, reason);
  }

  /** The last cluster revision this mirror holds (a block or a skipped value), 0 when none. */
  mirroredRevision(): number {
    const row = this.db
      .prepare<[], { revision: number | null }>(
        'SELECT max(revision) AS revision FROM (SELECT revision FROM block_proposals UNION ALL SELECT revision FROM skipped_proposals)',
      )
      .get();
    return Math.max(row?.revision ?? 0, this.base?.revision ?? 0);
  }

  /** The etcd revision that ordered `block`, if this mirror knows it. */
  revisionOfBlock(block: number): number | undefined {
    if (this.base?.block === block) return this.base.revision;
    return this.db.prepare<[number], { revision: number }>('SELECT revision FROM block_proposals WHERE block = ?').get(block)?.revision;
  }

  /** The block a cluster revision became, if this mirror holds it. */
  blockAtRevision(revision: number): LogBlock | undefined {
    const row = this.db.prepare<[number], { block: number }>('SELECT block FROM block_proposals WHERE revision = ?').get(revision);
    if (!row) return undefined;
    const recent = this.recent.get(row.block);
    if (recent) return recent;
    const before = this.db.prepare<[number], { first_height: number }>('SELECT first_height FROM blocks WHERE block = ?').get(row.block);
    return before && this.readFromSync(before.first_height - 1, 1)[0];
  }

  /** The highest sequence number `proposer` has in this mirror, 0 when none. */
  lastSequenceOf(proposer: string): number {
    const row = this.db
      .prepare<[string], { sequence: number | null }>('SELECT max(sequence) AS sequence FROM block_proposals WHERE proposer = ?')
      .get(proposer);
    return row?.sequence ?? 0;
  }

  /** Values passed over in the cluster log, with why: evidence for an operator. */
  skippedProposals(): { revision: number; key: string; reason: string }[] {
    return this.db
      .prepare<[], { revision: number; key: string; reason: string }>(
        'SELECT revision, key, reason FROM skipped_proposals ORDER BY revision',
      )
      .all();
  }

  head(): LogHead {
    return { ...this.current };
  }

  /** The chain hash of the entry at `height` (the genesis hash at 0), or undefined past the head. */
  hashAt(height: number): Buffer | undefined {
    if (height === 0) return genesisHash(this.subnetId);
    if (this.base && height <= this.base.height) return height === this.base.height ? Buffer.from(this.base.hash) : undefined;
    const row = this.db
      .prepare<[number, number], BlockRow>(
        'SELECT block, first_height, last_height, entries FROM blocks WHERE first_height <= ? AND last_height >= ?',
      )
      .get(height, height);
    const entry = row && splitBlockEntries(row.entries)[height - row.first_height];
    return entry && Buffer.from(entry.hash);
  }

  /** The durability this log's acknowledgements carry. */
  settings(): SqliteSettings {
    return sqliteSettings(this.db);
  }

  watch(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  verifyChain(): ChainBreak | null {
    // A state-synced mirror is checked from its base, which the quorum certificate vouched for.
    let previous = this.base ? Buffer.from(this.base.hash) : genesisHash(this.subnetId);
    let expectedHeight = (this.base?.height ?? 0) + 1;
    let expectedBlock = (this.base?.block ?? 0) + 1;
    const rows = this.db.prepare<[], BlockRow>('SELECT block, first_height, last_height, entries FROM blocks ORDER BY block').iterate();
    for (const row of rows) {
      if (row.block !== expectedBlock || row.first_height !== expectedHeight) {
        return { height: expectedHeight, message: `log block ${expectedBlock} (from height ${expectedHeight}) is missing or misnumbered` };
      }
      let entries: ReturnType<typeof splitBlockEntries>;
      try {
        entries = splitBlockEntries(row.entries);
      } catch (error) {
        return { height: row.first_height, message: `log block ${row.block} is malformed: ${(error as Error).message}` };
      }
      for (const { bytes, hash } of entries) {
        const expected = chainHash(previous, expectedHeight, row.block, bytes);
        if (!expected.equals(hash)) {
          return {
            height: expectedHeight,
            message: `log entry at height ${expectedHeight} does not match its chain hash (altered or reordered)`,
          };
        }
        previous = expected;
        expectedHeight += 1;
      }
      if (expectedHeight - 1 !== row.last_height) {
        return {
          height: row.first_height,
          message: `log block ${row.block} claims heights up to ${row.last_height} but holds entries up to ${expectedHeight - 1}`,
        };
      }
      expectedBlock += 1;
    }
    return null;
  }

  close(): void {
    this.closed = true;
    // Anything still queued was never acknowledged; refuse it rather than drop it silently.
    for (const entry of this.pending.splice(0)) entry.reject(new LogError('the log was closed before this command was ordered'));
    this.writer?.close();
    this.db.close();
  }

  private recentFrom(afterHeight: number): LogBlock | undefined {
    return this.recentByFirstHeight.get(afterHeight + 1);
  }

  private scheduleFlush(): void {
    // While a block is being written, appends wait for it to finish and then go as one block.
    if (this.flushScheduled || this.writing) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  /** Sends the next block to the writer thread; when it is on disk, acknowledges it, tells the watchers and sends the next. */
  private flush(): void {
    if (this.writing || this.closed || this.pending.length === 0) return;
    const batch = this.pending.splice(0, MAX_BLOCK_COMMANDS);
    const next = this.nextBlock(batch);
    this.writing = true;
    this.writer ??= new BlockWriter(this.path);
    this.writer
      .write({ block: next.block, firstHeight: next.firstHeight, lastHeight: next.lastHeight, entries: next.bytes })
      .then(() => {
        if (this.closed) throw new LogError('the log was closed before this command was acknowledged');
        this.current = next.head;
        for (const [i, entry] of batch.entries()) {
          const written = next.entries[i] as LogEntry;
          entry.resolve({ id: written.command.id, height: written.height, block: next.block });
        }
        this.remember({ block: next.block, entries: next.entries });
      })
      .catch((error: Error) => {
        // The insert may have reached the disk before failing (an fsync error); believe the file.
        if (!this.closed) this.current = this.readHead();
        for (const entry of batch) entry.reject(error);
      })
      .finally(() => {
        this.writing = false;
        if (this.closed) return;
        for (const listener of this.listeners) listener();
        this.flush();
      });
  }

  private hasTable(name: string): boolean {
    return this.db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?").get(name) !== undefined;
  }

  /** The block `batch` makes after the head: its entries, chained, and its encoded row; nothing is written. */
  private nextBlock(batch: readonly { command: Command; bytes: Buffer }[]): {
    block: number;
    entries: LogEntry[];
    firstHeight: number;
    lastHeight: number;
    bytes: Buffer;
    head: LogHead;
  } {
    const block = this.current.block + 1;
    let { height, hash } = this.current;
    const entries: LogEntry[] = batch.map(({ command, bytes }) => {
      height += 1;
      hash = chainHash(hash, height, block, bytes);
      return { height, block, command, bytes, hash };
    });
    return {
      block,
      entries,
      firstHeight: (entries[0] as LogEntry).height,
      lastHeight: height,
      bytes: encodeBlockEntries(entries),
      head: { height, block, hash },
    };
  }

  private remember(block: LogBlock): void {
    this.recent.set(block.block, block);
    const first = block.entries[0];
    if (first) this.recentByFirstHeight.set(first.height, block);
    this.recentEntries += block.entries.length;
    while (this.recentEntries > RECENT_ENTRIES && this.recent.size > 1) this.forget(this.recent.values().next().value as LogBlock);
  }

  private forget(block: LogBlock): void {
    this.recent.delete(block.block);
    const first = block.entries[0];
    if (first && this.recentByFirstHeight.get(first.height) === block) this.recentByFirstHeight.delete(first.height);
    this.recentEntries -= block.entries.length;
  }

  private readHead(): LogHead {
    const row = this.db
      .prepare<[], BlockRow>('SELECT block, first_height, last_height, entries FROM blocks ORDER BY block DESC LIMIT 1')
      .get();
    if (!row) {
      if (this.base) return { height: this.base.height, block: this.base.block, hash: Buffer.from(this.base.hash) };
      return { height: 0, block: 0, hash: genesisHash(this.subnetId) };
    }
    const last = splitBlockEntries(row.entries).at(-1);
    if (!last) throw new LogError(`log block ${row.block} holds no entries`);
    return { height: row.last_height, block: row.block, hash: Buffer.from(last.hash) };
  }

  private readBase(): LogBase | undefined {
    const row = this.db.prepare<[], { value: string }>("SELECT value FROM log_meta WHERE key = 'base'").get();
    if (!row) return undefined;
    const base = JSON.parse(row.value) as Omit<LogBase, 'hash'> & { hash: string };
    return { ...base, hash: Buffer.from(base.hash, 'hex') };
  }

  private claimSubnet(subnetId: string): void {
    const row = this.db.prepare<[], { value: string }>("SELECT value FROM log_meta WHERE key = 'subnet_id'").get();
    if (!row) {
      this.db.prepare("INSERT INTO log_meta (key, value) VALUES ('subnet_id', ?)").run(subnetId);
    } else if (row.value !== subnetId) {
      throw new LogError(`this log belongs to subnet "${row.value}", not "${subnetId}"`);
    }
  }
}
