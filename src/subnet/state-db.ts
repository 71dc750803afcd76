import type Database from 'better-sqlite3';
import type { Certificate } from './checkpoint.ts';
import { LTHASH_BYTES } from './digest.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS watan_meta (key TEXT PRIMARY KEY, value ANY) STRICT;
CREATE TABLE IF NOT EXISTS watan_command_ids (
  id TEXT PRIMARY KEY,
  height INTEGER NOT NULL,
  block INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS watan_results (
  block INTEGER PRIMARY KEY,
  first_height INTEGER NOT NULL,
  bodies TEXT NOT NULL,
  digests BLOB NOT NULL
) STRICT;
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
  /** Canonical JSON of the result leaf (see results.ts); never holds a raw newline. */
  body: string;
  /** The state digest after this command. */
  digest: Buffer;
}

interface ResultsRow {
  block: number;
  first_height: number;
  bodies: string;
  digests: Buffer;
}

const DIGEST_BYTES = 32;

/**
 * The executor's own bookkeeping beside the apps' tables; not part of the app-state digest.
 * A block's results are one row (they are written and proven together); the id table is the
 * one per-command write, and doubles as the idempotency check.
 */
export class StateDb {
  readonly db: Database.Database;
  private readonly statements;

  constructor(db: Database.Database) {
    this.db = db;
    db.exec(SCHEMA);
    this.statements = {
      getMeta: db.prepare<[string], { value: unknown }>('SELECT value FROM watan_meta WHERE key = ?'),
      setMeta: db.prepare('INSERT INTO watan_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      claimId: db.prepare('INSERT OR IGNORE INTO watan_command_ids (id, height, block) VALUES (?, ?, ?)'),
      findId: db.prepare<[string], { height: number; block: number }>('SELECT height, block FROM watan_command_ids WHERE id = ?'),
      insertResults: db.prepare('INSERT INTO watan_results (block, first_height, bodies, digests) VALUES (?, ?, ?, ?)'),
      resultsOfBlock: db.prepare<[number], ResultsRow>('SELECT * FROM watan_results WHERE block = ?'),
      resultsFrom: db.prepare<[number], ResultsRow>(
        'SELECT * FROM watan_results WHERE block >= (SELECT coalesce(max(block), 0) FROM watan_results WHERE first_height <= ?) ORDER BY block',
      ),
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

  /** Records that `id` runs at `height`; false when it already ran (the first record stands). */
  claimCommandId(id: string, height: number, block: number): boolean {
    return this.statements.claimId.run(id, height, block).changes === 1;
  }

  firstExecution(id: string): { height: number; block: number } | undefined {
    return this.statements.findId.get(id);
  }

  insertBlockResults(block: number, firstHeight: number, results: readonly StoredResult[]): void {
    const bodies = results.map((result) => result.body).join('\n');
    this.statements.insertResults.run(block, firstHeight, bodies, Buffer.concat(results.map((result) => result.digest)));
  }

  /** The result of the first execution of `id`. */
  resultById(id: string): StoredResult | undefined {
    const first = this.firstExecution(id);
    if (!first) return undefined;
    return this.resultsOfBlock(first.block).find((result) => result.height === first.height);
  }

  resultsOfBlock(block: number): StoredResult[] {
    const row = this.statements.resultsOfBlock.get(block);
    return row ? unpack(row) : [];
  }

  /** Every result above `height`, in log order: the per-command digests a replay compares. */
  resultsFrom(height: number): StoredResult[] {
    return this.statements.resultsFrom
      .all(height)
      .flatMap(unpack)
      .filter((result) => result.height > height);
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

function unpack(row: ResultsRow): StoredResult[] {
  return row.bodies.split('\n').map((body, i) => {
    const { id, ok } = JSON.parse(body) as { id: string; ok: boolean };
    const digest = row.digests.subarray(i * DIGEST_BYTES, (i + 1) * DIGEST_BYTES);
    return { height: row.first_height + i, block: row.block, id, ok, body, digest };
  });
}
