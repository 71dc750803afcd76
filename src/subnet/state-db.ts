import type Database from 'better-sqlite3';
import type { Certificate, Checkpoint, CheckpointSignature } from './checkpoint.ts';
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
  checkpoint TEXT NOT NULL,
  signature TEXT
) STRICT;
CREATE TABLE IF NOT EXISTS watan_certificates (block INTEGER PRIMARY KEY, certificate TEXT NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS watan_memberships (hash TEXT PRIMARY KEY, members TEXT NOT NULL) STRICT;
`;

/** Bumped when the executor's records or the digest change meaning; a folder of another format is replayed, not reused. */
const STATE_FORMAT = 2;

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

/** The checkpoint this replica reached after a block, with its own signature (none when replaying). */
export interface OwnCheckpoint {
  checkpoint: Checkpoint;
  signature: CheckpointSignature | undefined;
}

interface ResultsRow {
  block: number;
  first_height: number;
  bodies: string;
  digests: Buffer;
}

interface CheckpointRow {
  checkpoint: string;
  signature: string | null;
}

const DIGEST_BYTES = 32;

export class StateFormatError extends Error {
  override name = 'StateFormatError';
}

/**
 * The executor's own bookkeeping beside the apps' tables. A block's results are one row (they
 * are written and proven together); the id table is the one per-command write, and doubles as
 * the idempotency check. Results, ids and position are under the state digest (see
 * executor-records.ts); checkpoints and certificates are not — they commit to the digest.
 */
export class StateDb {
  readonly db: Database.Database;
  private readonly statements;

  constructor(db: Database.Database) {
    this.db = db;
    assertFormat(db);
    db.exec(SCHEMA);
    if (!db.readonly) db.prepare("INSERT OR IGNORE INTO watan_meta (key, value) VALUES ('state_format', ?)").run(STATE_FORMAT);
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
      insertCheckpoint: db.prepare(
        'INSERT INTO watan_checkpoints (block, first_height, height, checkpoint, signature) VALUES (?, ?, ?, ?, ?)',
      ),
      checkpoint: db.prepare<[number], CheckpointRow>('SELECT checkpoint, signature FROM watan_checkpoints WHERE block = ?'),
      latestCheckpoint: db.prepare<[], CheckpointRow>('SELECT checkpoint, signature FROM watan_checkpoints ORDER BY block DESC LIMIT 1'),
      insertCertificate: db.prepare('INSERT OR IGNORE INTO watan_certificates (block, certificate) VALUES (?, ?)'),
      certificate: db.prepare<[number], { certificate: string }>('SELECT certificate FROM watan_certificates WHERE block = ?'),
      hasCertificate: db.prepare<[number], { found: number }>('SELECT 1 AS found FROM watan_certificates WHERE block = ?'),
      latestCertificate: db.prepare<[], { certificate: string }>('SELECT certificate FROM watan_certificates ORDER BY block DESC LIMIT 1'),
      insertMembership: db.prepare('INSERT OR IGNORE INTO watan_memberships (hash, members) VALUES (?, ?)'),
      membership: db.prepare<[string], { members: string }>('SELECT members FROM watan_memberships WHERE hash = ?'),
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

  insertBlockResults(block: number, firstHeight: number, bodies: string, digests: Buffer): void {
    this.statements.insertResults.run(block, firstHeight, bodies, digests);
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

  /** Every stored results row, in block order, as the digest holds them. */
  *resultRows(): Generator<ResultsRow> {
    yield* this.db.prepare<[], ResultsRow>('SELECT block, first_height, bodies, digests FROM watan_results ORDER BY block').iterate();
  }

  /** The command ids grouped by the block that claimed them, each group in log order. */
  *commandIdGroups(): Generator<{ block: number; claimed: { id: string; height: number }[] }> {
    let group: { block: number; claimed: { id: string; height: number }[] } | undefined;
    const rows = this.db
      .prepare<[], { id: string; height: number; block: number }>('SELECT id, height, block FROM watan_command_ids ORDER BY block, height')
      .iterate();
    for (const row of rows) {
      if (group && group.block !== row.block) yield group;
      if (!group || group.block !== row.block) group = { block: row.block, claimed: [] };
      group.claimed.push({ id: row.id, height: row.height });
    }
    if (group) yield group;
  }

  insertCheckpoint(own: OwnCheckpoint): void {
    const { block, firstHeight, height } = own.checkpoint;
    this.statements.insertCheckpoint.run(
      block,
      firstHeight,
      height,
      JSON.stringify(own.checkpoint),
      own.signature ? JSON.stringify(own.signature) : null,
    );
  }

  checkpoint(block: number): OwnCheckpoint | undefined {
    const row = this.statements.checkpoint.get(block);
    return row && ownCheckpointOf(row);
  }

  latestCheckpoint(): OwnCheckpoint | undefined {
    const row = this.statements.latestCheckpoint.get();
    return row && ownCheckpointOf(row);
  }

  /** Own checkpoints from `block` on, in order. */
  checkpointsFrom(block: number): OwnCheckpoint[] {
    return this.db
      .prepare<[number], CheckpointRow>('SELECT checkpoint, signature FROM watan_checkpoints WHERE block >= ? ORDER BY block')
      .all(block)
      .map(ownCheckpointOf);
  }

  *checkpoints(): Generator<OwnCheckpoint> {
    for (const row of this.db.prepare<[], CheckpointRow>('SELECT checkpoint, signature FROM watan_checkpoints ORDER BY block').iterate()) {
      yield ownCheckpointOf(row);
    }
  }

  /** Keeps a quorum certificate; the first one stored for a block stands. */
  insertCertificate(certificate: Certificate): boolean {
    return this.statements.insertCertificate.run(certificate.checkpoint.block, JSON.stringify(certificate)).changes === 1;
  }

  /** Whether `block` has a certificate, without reading it. */
  hasCertificate(block: number): boolean {
    return this.statements.hasCertificate.get(block) !== undefined;
  }

  certificate(block: number): Certificate | undefined {
    const row = this.statements.certificate.get(block);
    return row && (JSON.parse(row.certificate) as Certificate);
  }

  latestCertificate(): Certificate | undefined {
    const row = this.statements.latestCertificate.get();
    return row && (JSON.parse(row.certificate) as Certificate);
  }

  *certificates(): Generator<Certificate> {
    for (const row of this.db.prepare<[], { certificate: string }>('SELECT certificate FROM watan_certificates ORDER BY block').iterate()) {
      yield JSON.parse(row.certificate) as Certificate;
    }
  }

  insertMembership(hash: string, members: readonly string[]): void {
    this.statements.insertMembership.run(hash, JSON.stringify(members));
  }

  membership(hash: string): string[] | undefined {
    const row = this.statements.membership.get(hash);
    return row && (JSON.parse(row.members) as string[]);
  }
}

function ownCheckpointOf(row: CheckpointRow): OwnCheckpoint {
  return {
    checkpoint: JSON.parse(row.checkpoint) as Checkpoint,
    signature: row.signature === null ? undefined : (JSON.parse(row.signature) as CheckpointSignature),
  };
}

function unpack(row: ResultsRow): StoredResult[] {
  return row.bodies.split('\n').map((body, i) => {
    const { id, ok } = JSON.parse(body) as { id: string; ok: boolean };
    const digest = row.digests.subarray(i * DIGEST_BYTES, (i + 1) * DIGEST_BYTES);
    return { height: row.first_height + i, block: row.block, id, ok, body, digest };
  });
}

/** A folder whose state was built by an older executor holds records this one cannot vouch for. */
function assertFormat(db: Database.Database): void {
  const hasMeta = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'watan_meta'").get();
  if (!hasMeta) return;
  const format = db.prepare<[], { value: unknown }>("SELECT value FROM watan_meta WHERE key = 'state_format'").get()?.value;
  const applied = db.prepare<[], { value: unknown }>("SELECT value FROM watan_meta WHERE key = 'applied_block'").get()?.value;
  if (format === STATE_FORMAT || (format === undefined && (applied === undefined || applied === 0))) return;
  throw new StateFormatError(
    `the state was built by another version of Watan (state format ${String(format ?? 1)}, this one writes ${STATE_FORMAT}); ` +
      'move state.sqlite away and start again: the state is rebuilt from the log',
  );
}
