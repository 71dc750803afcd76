import type Database from 'better-sqlite3';
import type { Certificate } from './checkpoint.ts';
import { LTHASH_BYTES } from './digest.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS watan_meta (key TEXT PRIMARY KEY, value ANY) STRICT;
CREATE TABLE IF NOT EXISTS watan_results (
  height INTEGER PRIMARY KEY,
  block INTEGER NOT NULL,
  id TEXT NOT NULL,
  ok INTEGER NOT NULL,
  body TEXT NOT NULL,
  digest BLOB NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS watan_results_id ON watan_results (id, height);
CREATE TABLE IF NOT EXISTS watan_checkpoints (
  block INTEGER PRIMARY KEY,
  first_height INTEGER NOT NULL,
  height INTEGER NOT NULL,
  certificate TEXT NOT NULL
) STRICT;
`;

/** Where the executor stands: what it has applied and the digest of the state it holds. */
export interface ExecutorPosition {
  height: number;
  block: number;
  logHead: Buffer;
  time: number;
  lthash: Buffer;
}

export interface StoredResult {
  height: number;
  block: number;
  id: string;
  ok: boolean;
  /** Canonical JSON of the result leaf (see results.ts). */
  body: string;
  digest: Buffer;
}

interface ResultRow {
  height: number;
  block: number;
  id: string;
  ok: number;
  body: string;
  digest: Buffer;
}

/** The executor's own bookkeeping beside the apps' tables; not part of the app-state digest. */
export class StateDb {
  readonly db: Database.Database;
  private readonly statements;

  constructor(db: Database.Database) {
    this.db = db;
    db.exec(SCHEMA);
    this.statements = {
      getMeta: db.prepare<[string], { value: unknown }>('SELECT value FROM watan_meta WHERE key = ?'),
      setMeta: db.prepare('INSERT INTO watan_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      insertResult: db.prepare('INSERT INTO watan_results (height, block, id, ok, body, digest) VALUES (?, ?, ?, ?, ?, ?)'),
      resultById: db.prepare<[string], ResultRow>('SELECT * FROM watan_results WHERE id = ? ORDER BY height LIMIT 1'),
      resultsOfBlock: db.prepare<[number], ResultRow>('SELECT * FROM watan_results WHERE block = ? ORDER BY height'),
      resultsFrom: db.prepare<[number], ResultRow>('SELECT * FROM watan_results WHERE height > ? ORDER BY height'),
      insertCheckpoint: db.prepare('INSERT INTO watan_checkpoints (block, first_height, height, certificate) VALUES (?, ?, ?, ?)'),
      checkpoint: db.prepare<[number], { certificate: string }>('SELECT certificate FROM watan_checkpoints WHERE block = ?'),
      latestCheckpoint: db.prepare<[], { certificate: string }>('SELECT certificate FROM watan_checkpoints ORDER BY block DESC LIMIT 1'),
    };
  }

  meta(key: string): unknown {
    return this.statements.getMeta.get(key)?.value;
  }

  setMeta(key: string, value: string | number | Buffer): void {
    this.statements.setMeta.run(key, value);
  }

  position(genesis: Buffer): ExecutorPosition {
    return {
      height: (this.meta('applied_height') as number | undefined) ?? 0,
      block: (this.meta('applied_block') as number | undefined) ?? 0,
      logHead: (this.meta('log_head') as Buffer | undefined) ?? genesis,
      time: (this.meta('time') as number | undefined) ?? 0,
      lthash: (this.meta('lthash') as Buffer | undefined) ?? Buffer.alloc(LTHASH_BYTES),
    };
  }

  savePosition(position: ExecutorPosition): void {
    this.setMeta('applied_height', position.height);
    this.setMeta('applied_block', position.block);
    this.setMeta('log_head', position.logHead);
    this.setMeta('time', position.time);
    this.setMeta('lthash', position.lthash);
  }

  insertResult(result: StoredResult): void {
    this.statements.insertResult.run(result.height, result.block, result.id, result.ok ? 1 : 0, result.body, result.digest);
  }

  resultById(id: string): StoredResult | undefined {
    const row = this.statements.resultById.get(id);
    return row && toResult(row);
  }

  resultsOfBlock(block: number): StoredResult[] {
    return this.statements.resultsOfBlock.all(block).map(toResult);
  }

  /** Every result above `height`, in log order: the per-command digests a replay compares. */
  resultsFrom(height: number): StoredResult[] {
    return this.statements.resultsFrom.all(height).map(toResult);
  }

  insertCheckpoint(certificate: Certificate): void {
    const { block, firstHeight, height } = certificate.checkpoint;
    this.statements.insertCheckpoint.run(block, firstHeight, height, JSON.stringify(certificate));
  }

  certificate(block: number): Certificate | undefined {
    const row = this.statements.checkpoint.get(block);
    return row && (JSON.parse(row.certificate) as Certificate);
  }

  latestCertificate(): Certificate | undefined {
    const row = this.statements.latestCheckpoint.get();
    return row && (JSON.parse(row.certificate) as Certificate);
  }
}

function toResult(row: ResultRow): StoredResult {
  return { ...row, ok: row.ok === 1 };
}
