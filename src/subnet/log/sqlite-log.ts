import type Database from 'better-sqlite3';
import { type Command, decodeCommand, encodeCommand, validateCommand } from '../command.ts';
import { openSqlite } from '../sqlite.ts';
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
  last_height INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS entries (
  height INTEGER PRIMARY KEY,
  block INTEGER NOT NULL,
  id TEXT NOT NULL UNIQUE,
  command BLOB NOT NULL,
  hash BLOB NOT NULL
) STRICT;
`;

/** The most commands ordered into one block; a larger burst becomes several blocks. */
const MAX_BLOCK_COMMANDS = 1024;
/** Recently appended blocks kept decoded, so the local executor need not read them back. */
const RECENT_BLOCKS = 64;

interface Pending {
  command: Command;
  bytes: Buffer;
  resolve: (receipt: AppendReceipt) => void;
  reject: (error: Error) => void;
}

/**
 * The embedded log: one SQLite file in WAL mode with synchronous=FULL, so an append is
 * acknowledged only after fsync. Appends arriving in the same turn of the event loop are
 * group-committed as one block: one transaction, one fsync.
 */
export class SqliteLog implements CommandLog {
  readonly subnetId: string;
  private readonly db: Database.Database;
  private pending: Pending[] = [];
  private flushScheduled = false;
  private readonly listeners = new Set<() => void>();
  private readonly recent = new Map<number, LogBlock>();
  private current: LogHead;
  private readonly statements;

  /** `readonly` opens an existing log for auditing; appends then fail. */
  constructor(path: string, subnetId: string, options: { readonly?: boolean } = {}) {
    this.subnetId = subnetId;
    this.db = openSqlite(path, { synchronous: 'FULL', readonly: options.readonly ?? false });
    if (!options.readonly) this.db.exec(SCHEMA);
    this.claimSubnet(subnetId);
    this.statements = {
      findId: this.db.prepare<[string], { height: number; block: number }>('SELECT height, block FROM entries WHERE id = ?'),
      insertEntry: this.db.prepare('INSERT INTO entries (height, block, id, command, hash) VALUES (?, ?, ?, ?, ?)'),
      insertBlock: this.db.prepare('INSERT INTO blocks (block, first_height, last_height) VALUES (?, ?, ?)'),
      blocksAfter: this.db.prepare<[number, number], { block: number; first_height: number; last_height: number }>(
        'SELECT block, first_height, last_height FROM blocks WHERE last_height > ? ORDER BY block LIMIT ?',
      ),
      entriesBetween: this.db.prepare<[number, number], { height: number; block: number; command: Buffer; hash: Buffer }>(
        'SELECT height, block, command, hash FROM entries WHERE height BETWEEN ? AND ? ORDER BY height',
      ),
    };
    this.current = this.readHead();
  }

  async append(commands: Command[]): Promise<AppendReceipt[]> {
    // Validate the whole call first, so a bad command refuses the call before any is queued.
    const encoded = commands.map((command) => {
      validateCommand(command);
      return { command, bytes: encodeCommand(command) };
    });
    const receipts = encoded.map(
      ({ command, bytes }) =>
        new Promise<AppendReceipt>((resolve, reject) => this.pending.push({ command, bytes, resolve, reject })),
    );
    this.scheduleFlush();
    return Promise.all(receipts);
  }

  async readFrom(afterHeight: number, maxBlocks: number): Promise<LogBlock[]> {
    return this.readFromSync(afterHeight, maxBlocks);
  }

  /** The embedded log can read synchronously, as an audit's replay wants. */
  readFromSync(afterHeight: number, maxBlocks: number): LogBlock[] {
    const blocks = this.statements.blocksAfter.all(afterHeight, maxBlocks);
    return blocks.map((row) => this.recent.get(row.block) ?? this.loadBlock(row.block, row.first_height, row.last_height));
  }

  head(): LogHead {
    return { ...this.current };
  }

  watch(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  verifyChain(): ChainBreak | null {
    let previous = genesisHash(this.subnetId);
    let expectedHeight = 1;
    for (const row of this.db.prepare<[], { height: number; block: number; command: Buffer; hash: Buffer }>(
      'SELECT height, block, command, hash FROM entries ORDER BY height',
    ).iterate()) {
      if (row.height !== expectedHeight) {
        return { height: expectedHeight, message: `log entry at height ${expectedHeight} is missing` };
      }
      const expected = chainHash(previous, row.height, row.block, row.command);
      if (!expected.equals(row.hash)) {
        return { height: row.height, message: `log entry at height ${row.height} does not match its chain hash (altered or reordered)` };
      }
      previous = row.hash;
      expectedHeight += 1;
    }
    return null;
  }

  close(): void {
    // Anything still queued was never acknowledged; refuse it rather than drop it silently.
    for (const entry of this.pending.splice(0)) entry.reject(new LogError('the log was closed before this command was ordered'));
    this.db.close();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, MAX_BLOCK_COMMANDS);
      try {
        const { receipts, block } = this.writeBlock(batch);
        for (const [i, entry] of batch.entries()) entry.resolve(receipts[i] as AppendReceipt);
        if (block) this.remember(block);
      } catch (error) {
        for (const entry of batch) entry.reject(error as Error);
      }
    }
    for (const listener of this.listeners) listener();
  }

  private writeBlock(batch: Pending[]): { receipts: AppendReceipt[]; block: LogBlock | null } {
    return this.db.transaction(() => {
      const blockNumber = this.current.block + 1;
      const entries: LogEntry[] = [];
      const seen = new Map<string, AppendReceipt>();
      let { height, hash } = this.current;
      const receipts = batch.map(({ command, bytes }) => {
        const existing = seen.get(command.id) ?? this.statements.findId.get(command.id);
        if (existing) return { id: command.id, height: existing.height, block: existing.block, duplicate: true };
        height += 1;
        hash = chainHash(hash, height, blockNumber, bytes);
        this.statements.insertEntry.run(height, blockNumber, command.id, bytes, hash);
        entries.push({ height, block: blockNumber, command, bytes, hash });
        const receipt = { id: command.id, height, block: blockNumber, duplicate: false };
        seen.set(command.id, receipt);
        return receipt;
      });
      if (entries.length === 0) return { receipts, block: null };
      this.statements.insertBlock.run(blockNumber, (entries[0] as LogEntry).height, height);
      this.current = { height, block: blockNumber, hash };
      return { receipts, block: { block: blockNumber, entries } };
    }).immediate();
  }

  private remember(block: LogBlock): void {
    this.recent.set(block.block, block);
    if (this.recent.size > RECENT_BLOCKS) this.recent.delete(this.recent.keys().next().value as number);
  }

  private loadBlock(block: number, first: number, last: number): LogBlock {
    const entries = this.statements.entriesBetween.all(first, last).map((row) => ({
      height: row.height,
      block: row.block,
      command: decodeCommand(row.command),
      bytes: row.command,
      hash: row.hash,
    }));
    if (entries.length !== last - first + 1) {
      throw new LogError(`log block ${block} should hold heights ${first}..${last} but holds ${entries.length} entries`);
    }
    return { block, entries };
  }

  private readHead(): LogHead {
    const row = this.db
      .prepare<[], { height: number; block: number; hash: Buffer }>('SELECT height, block, hash FROM entries ORDER BY height DESC LIMIT 1')
      .get();
    return row ? { height: row.height, block: row.block, hash: row.hash } : { height: 0, block: 0, hash: genesisHash(this.subnetId) };
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
