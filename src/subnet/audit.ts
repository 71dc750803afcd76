import { existsSync, readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { AppDefinition } from './app.ts';
import type { RegistryView } from './apps/registry.ts';
import {
  type Certificate,
  type Checkpoint,
  checkpointHash,
  checkpointSigningBytes,
  NO_CHECKPOINT,
  verifyCertificate,
} from './checkpoint.ts';
import { dataFiles, readSubnetId } from './data-dir.ts';
import { Executor } from './executor.ts';
import { fromHex, toHex } from './hashing.ts';
import { type LogBase, SqliteLog } from './log/sqlite-log.ts';
import { readSigningKeyId, verifySignature } from './node-key.ts';
import { openSqlite } from './sqlite.ts';
import { StateDb } from './state-db.ts';
import { checkCertifiedState, portableImage } from './state-sync.ts';
import { physicalTableName, type Row, type TableSpec } from './table.ts';
import { verifySubnet } from './verifier.ts';

export interface AuditReport {
  ok: boolean;
  subnet: string;
  height: number;
  block: number;
  /** Each a sentence naming what does not match; empty when the audit passed. */
  findings: string[];
  /** Set when the folder state-synced: its history begins after this certified base. */
  base?: AuditedBase;
}

/** The snapshot a state-synced replica began from, and who certified it. */
export interface AuditedBase {
  block: number;
  height: number;
  /** The members the base's checkpoint commits to. */
  members: string[];
  /** The members whose signatures on the base's checkpoint verified. */
  signers: string[];
  /** Whether the base passed every check (its state, certificate, governance and the log's base). */
  verified: boolean;
}

export interface DataDirSummary {
  subnet: string;
  node: string;
  block: number;
  height: number;
}

/** Who a data folder's node is and where it stands, read without changing anything. */
export function inspectDataDir(dataDir: string): DataDirSummary {
  const files = dataFiles(dataDir);
  const subnet = readSubnetId(dataDir);
  const node = readSigningKeyId(files.nodeKey);
  const db = openSqlite(files.state, { synchronous: 'NORMAL', readonly: true });
  try {
    const position = new StateDb(db).position(Buffer.alloc(0));
    return { subnet, node, block: position.block, height: position.height };
  } finally {
    db.close();
  }
}

/** How many altered rows an audit names before it summarises the rest. */
const MAX_NAMED_ROWS = 20;

/**
 * Checks a node's data folder against what it certified: the log's hash chain, the last
 * certificate's signature, and the state digest recomputed from every row. When the digest
 * differs, it replays the log into a scratch database and names the rows that differ.
 * Opens everything read-only; it may run beside a live node.
 */
export interface AuditOptions {
  /** Governance keys the auditor trusts out of band; without them the registry's own are used. */
  governanceKeys?: readonly string[];
}

export function auditDataDir(dataDir: string, apps: readonly AppDefinition[], options: AuditOptions = {}): AuditReport {
  const files = dataFiles(dataDir);
  const subnet = readSubnetId(dataDir);
  for (const path of [files.log, files.state]) if (!existsSync(path)) throw new Error(`${path} is missing`);
  const nodeId = readSigningKeyId(files.nodeKey);
  const stateDb = openSqlite(files.state, { synchronous: 'NORMAL', readonly: true });
  try {
    // One read transaction: a live node keeps committing, and every state read must see one
    // moment. The log is opened after that moment is pinned (by the executor's first read):
    // it only grows, so it then holds at least everything the state was built from.
    return stateDb.transaction(() => {
      const executor = new Executor({ db: stateDb, subnetId: subnet, apps });
      const log = new SqliteLog(files.log, subnet, { readonly: true });
      try {
        return auditState({ log, stateDb, executor, subnet, nodeId, apps, options, basePath: files.base });
      } finally {
        log.close();
      }
    })();
  } finally {
    stateDb.close();
  }
}

interface AuditInput {
  log: SqliteLog;
  stateDb: Database.Database;
  executor: Executor;
  subnet: string;
  nodeId: string;
  apps: readonly AppDefinition[];
  options: AuditOptions;
  /** Where a state-synced replica keeps the verified snapshot its log begins after. */
  basePath: string;
}

function auditState(input: AuditInput): AuditReport {
  const { log, stateDb, executor, subnet, nodeId, apps, options } = input;
  const findings: string[] = [];
  const synced = log.startsAfter && checkSyncedBase(input, log.startsAfter);
  const report = () => ({
    ok: findings.length === 0,
    subnet,
    height: executor.height,
    block: executor.block,
    findings,
    ...(synced?.base ? { base: synced.base } : {}),
  });
  if (synced) findings.push(...synced.findings);
  const chainBreak = log.verifyChain();
  if (chainBreak) findings.push(chainBreak.message);
  const latest = executor.latestCheckpoint();
  if (!latest) {
    findings.push('the node has certified nothing yet');
    return report();
  }
  const { checkpoint } = latest;
  findings.push(...checkCheckpointChain(new StateDb(stateDb), nodeId, synced?.start));
  findings.push(...checkCertificates(new StateDb(stateDb), executor, subnet, nodeId, options));
  findings.push(...checkLogMatches(log, executor, checkpoint));
  const scanned = executor.scanDigest();
  if (toHex(scanned) !== checkpoint.digest) {
    findings.push(
      `state digest recomputed from the database (${toHex(scanned)}) differs from the certified digest ${checkpoint.digest} at height ${checkpoint.height}`,
    );
    if (chainBreak) {
      findings.push(
        `altered rows cannot be named by replaying the log, which is itself broken at height ${chainBreak.height}; restore the log from another replica or a backup, then audit again`,
      );
    } else if (synced && synced.findings.length > 0) {
      findings.push(
        'altered rows cannot be named by replaying the log from the base state, which is itself missing or not the certified one',
      );
    } else {
      findings.push(...diffAgainstReplay(log, stateDb, subnet, apps, checkpoint.block, log.startsAfter && input.basePath));
    }
  } else if (!executor.currentDigest().equals(fromHex(checkpoint.digest))) {
    findings.push('the stored running digest differs from the certified one (the executor metadata was edited)');
  }
  return report();
}

/** Where a folder's checkpoint chain begins: block 1 after nothing, or a state-synced base's certified checkpoint. */
interface ChainStart {
  block: number;
  /** What the first checkpoint's `previous` must be; unchecked when the base cannot vouch for it. */
  previous?: string;
  /** The hash the first checkpoint must have (the certified base's), when it is not block 1. */
  hash?: string;
}

interface SyncedBaseCheck {
  findings: string[];
  start?: ChainStart;
  base?: AuditedBase;
}

/**
 * A state-synced folder holds no history before its base: the snapshot it installed, kept in
 * `base.sqlite` with the quorum certificate it was installed under. The base is checked again
 * as at install — its digest, position and log head are the certified ones, more than two
 * thirds of the members it commits to signed, those members are attested by the governance
 * keys — and the log's recorded base must be that certified block; the log's chain and the
 * checkpoints are then checked from there exactly as for a full log.
 */
function checkSyncedBase(input: AuditInput, logBase: LogBase): SyncedBaseCheck {
  const at = `base state (block ${logBase.block})`;
  // Without a base that verifies, the checkpoints are still checked from the log's base on.
  const unvouched = (finding: string): SyncedBaseCheck => ({ findings: [finding], start: { block: logBase.block } });
  if (!existsSync(input.basePath)) {
    return unvouched(
      `this replica state-synced (its log begins after block ${logBase.block}) but ${input.basePath}, the snapshot and certificate it was installed under, is missing: the state before block ${logBase.block + 1} cannot be verified`,
    );
  }
  let db: Database.Database;
  try {
    db = new Database(input.basePath, { readonly: true, fileMustExist: true });
  } catch (error) {
    return unvouched(`${at}: ${input.basePath} cannot be opened (${(error as Error).message})`);
  }
  try {
    const certificate = new StateDb(db).certificate(logBase.block);
    if (!certificate) return unvouched(`${at}: ${input.basePath} holds no quorum certificate of block ${logBase.block}`);
    const check = checkCertifiedState(db, certificate, input.subnet, input.apps);
    const findings = check.problems.map((problem) => `${at}: ${problem.replace(/^the snapshot/, 'the base state')}`);
    // Whether the registry's members are the subnet's (attested by governance) matters once they certified it.
    if (check.ok && check.registry) {
      const trust = verifySubnet({
        certificate: { ...certificate, members: check.members },
        registry: check.registry,
        pinnedGovernanceKeys: input.options.governanceKeys,
        expectedSubnet: input.subnet,
      });
      findings.push(...trust.failed.map((problem) => `${at}: ${problem}`));
    }
    const { checkpoint } = certificate;
    if (logBase.height !== checkpoint.height || toHex(logBase.hash) !== checkpoint.logHead) {
      findings.push(
        `the log records its base as block ${logBase.block} at height ${logBase.height}, which is not the certified base (height ${checkpoint.height}, log head ${checkpoint.logHead}): log.sqlite's base was altered`,
      );
    }
    const signers = verifyCertificate(certificate, input.subnet, check.members).signers;
    return {
      findings,
      start: { block: logBase.block, previous: checkpoint.previous, hash: checkpointHash(checkpoint) },
      base: { block: logBase.block, height: logBase.height, members: check.members, signers, verified: findings.length === 0 },
    };
  } catch (error) {
    // A base edited into something that is not a Watan state or certificate at all.
    return unvouched(`${at}: ${input.basePath} cannot be read as a state with its certificate (${(error as Error).message})`);
  } finally {
    db.close();
  }
}

/**
 * Every checkpoint this replica reached is signed by its node key and chains to the one
 * before, so the latest — which the state digest and the log are checked against — vouches
 * for all the older ones too. A state-synced folder's chain begins at its certified base.
 */
function checkCheckpointChain(state: StateDb, nodeId: string, start: ChainStart = { block: 1, previous: NO_CHECKPOINT }): string[] {
  const findings: string[] = [];
  let previous = start.previous ?? state.checkpoint(start.block)?.checkpoint.previous;
  let expected = start.block;
  if (start.hash !== undefined) {
    const first = state.checkpoint(start.block);
    if (first && checkpointHash(first.checkpoint) !== start.hash)
      findings.push(`the checkpoint of block ${start.block} in the state is not the certified base's (altered)`);
  }
  for (const { checkpoint, signature } of state.checkpoints()) {
    const at = `checkpoint of block ${checkpoint.block}`;
    if (checkpoint.block !== expected) findings.push(`checkpoint of block ${expected} is missing`);
    if (checkpoint.previous !== previous) findings.push(`${at} does not chain to the checkpoint before it (one of them was altered)`);
    const signed =
      signature?.node === nodeId &&
      verifySignature(nodeId, checkpointSigningBytes(checkpoint), Buffer.from(signature.signature, 'base64url'));
    if (!signed) findings.push(`${at} is not signed by this folder's node key ${nodeId} (altered)`);
    previous = checkpointHash(checkpoint);
    expected = checkpoint.block + 1;
    if (findings.length > MAX_NAMED_ROWS) return [...findings, '...and the checkpoints after it are not checked'];
  }
  return findings;
}

/**
 * Each quorum certificate is for the checkpoint this replica reached and carries a quorum of
 * its members' signatures; the latest is also checked as an outsider would (governance).
 */
function checkCertificates(state: StateDb, executor: Executor, subnet: string, nodeId: string, options: AuditOptions): string[] {
  const findings: string[] = [];
  let latest: Certificate | undefined;
  for (const certificate of state.certificates()) {
    const { block } = certificate.checkpoint;
    const own = state.checkpoint(block);
    if (!own || checkpointHash(own.checkpoint) !== checkpointHash(certificate.checkpoint)) {
      findings.push(
        `the certificate of block ${block} is not for the checkpoint this replica reached (altered, or this replica diverged: see evidence/)`,
      );
    }
    const check = verifyCertificate(certificate, subnet);
    findings.push(...check.problems.map((problem) => `certificate of block ${block}: ${problem}`));
    latest = certificate;
    if (findings.length > MAX_NAMED_ROWS) return findings;
  }
  if (!latest) return ['no checkpoint of this folder carries a quorum certificate'];
  return [...findings, ...checkLatestCertificate(latest, executor, nodeId, subnet, options)];
}

/** The certificate is this node's, over a registry whose members are properly attested. */
function checkLatestCertificate(
  certificate: Certificate,
  executor: Executor,
  nodeId: string,
  subnet: string,
  options: AuditOptions,
): string[] {
  const { checkpoint } = certificate;
  const at = `last certificate (block ${checkpoint.block})`;
  const registry = executor.query('registry', 'view', {}, 'audit') as RegistryView | null;
  if (!registry) return [`${at}: the registry is empty, so no member can have signed it`];
  const findings: string[] = [];
  if (!registry.nodes.some((node) => node.id === nodeId)) findings.push(`this folder's node key ${nodeId} is not a member of the registry`);
  const verification = verifySubnet({ certificate, registry, pinnedGovernanceKeys: options.governanceKeys, expectedSubnet: subnet });
  findings.push(...verification.failed.map((problem) => `${at}: ${problem}`));
  return findings;
}

/** The last checkpoint and the state both commit to the log as it is on disk. */
function checkLogMatches(log: SqliteLog, executor: Executor, checkpoint: Checkpoint): string[] {
  const findings: string[] = [];
  const logHeight = log.head().height;
  if (logHeight < checkpoint.height)
    findings.push(`the log ends at height ${logHeight}, before the certified height ${checkpoint.height} (truncated)`);
  const hash = log.hashAt(checkpoint.height);
  if (hash && toHex(hash) !== checkpoint.logHead) {
    findings.push(`the log's chain hash at the certified height ${checkpoint.height} is not the certified log head (history rewritten)`);
  }
  if (checkpoint.height !== executor.height) {
    findings.push(`state is at height ${executor.height} but the last certificate is for height ${checkpoint.height}`);
  } else if (toHex(executor.logHead) !== checkpoint.logHead) {
    findings.push('the state records another log head than the certified one (executor metadata edited)');
  }
  return findings;
}

/** Replays the log up to `block` into memory (from the genesis, or a state-synced base) and names every row the database holds differently. */
function diffAgainstReplay(
  log: SqliteLog,
  stateDb: Database.Database,
  subnet: string,
  apps: readonly AppDefinition[],
  block: number,
  /** A state-synced folder's base (checked against its certificate): the replay starts from it. */
  basePath: string | undefined,
): string[] {
  const scratch = basePath ? new Database(portableImage(readFileSync(basePath))) : new Database(':memory:');
  try {
    const replay = new Executor({ db: scratch, subnetId: subnet, apps });
    replayInto(replay, log, block);
    const findings: string[] = [];
    for (const app of apps) {
      for (const spec of app.tables) findings.push(...diffTable(app.name, spec, scratch, stateDb));
    }
    findings.push(...diffExecutorRecords(new StateDb(scratch), new StateDb(stateDb)));
    if (findings.length > MAX_NAMED_ROWS)
      return [...findings.slice(0, MAX_NAMED_ROWS), `...and ${findings.length - MAX_NAMED_ROWS} more rows`];
    return findings.length > 0 ? findings : ['no row differs from a replay of the log: the digest metadata itself was altered'];
  } finally {
    scratch.close();
  }
}

function replayInto(replay: Executor, log: SqliteLog, lastBlock: number): void {
  for (;;) {
    const blocks = log.readFromSync(replay.height, 64).filter((b) => b.block <= lastBlock);
    if (blocks.length === 0) return;
    replay.applyBlocks(blocks);
  }
}

/** The executor's own records (results, command ids) against a replay's. */
function diffExecutorRecords(expected: StateDb, actual: StateDb): string[] {
  const findings: string[] = [];
  const replayed = new Map([...expected.resultRows()].map((row) => [row.block, row]));
  for (const row of actual.resultRows()) {
    const want = replayed.get(row.block);
    replayed.delete(row.block);
    if (!want) findings.push(`the stored results of block ${row.block} are not in the certified history (inserted)`);
    else if (want.bodies !== row.bodies || !want.digests.equals(row.digests) || want.first_height !== row.first_height)
      findings.push(`the stored results of block ${row.block} differ from the certified history (altered)`);
  }
  for (const block of replayed.keys()) findings.push(`the stored results of block ${block} are missing (deleted)`);
  const ids = (state: StateDb) =>
    new Map([...state.commandIdGroups()].flatMap(({ block, claimed }) => claimed.map(({ id, height }) => [id, `${height}@${block}`])));
  const wantIds = ids(expected);
  const haveIds = ids(actual);
  for (const [id, at] of haveIds) {
    if (wantIds.get(id) !== at)
      findings.push(`command id ${id} is recorded at ${at}, certified history says ${wantIds.get(id) ?? 'never'} (altered)`);
  }
  for (const [id, at] of wantIds)
    if (!haveIds.has(id)) findings.push(`command id ${id} (height ${at}) is missing from the database (deleted)`);
  return findings;
}

function diffTable(app: string, spec: TableSpec, expectedDb: Database.Database, actualDb: Database.Database): string[] {
  const expected = indexRows(spec, rowsOf(expectedDb, physicalTableName(app, spec.name)));
  const actual = indexRows(spec, rowsOf(actualDb, physicalTableName(app, spec.name)));
  const findings: string[] = [];
  for (const [key, row] of actual) {
    const want = expected.get(key);
    if (!want) findings.push(`${app}.${spec.name} row ${key} is in the database but not in the certified history (inserted)`);
    else {
      for (const column of Object.keys(spec.columns)) {
        if (show(want[column]) !== show(row[column])) {
          findings.push(
            `${app}.${spec.name} row ${key}: column ${column} is ${show(row[column])}, certified history says ${show(want[column])} (altered)`,
          );
        }
      }
    }
  }
  for (const key of expected.keys()) {
    if (!actual.has(key))
      findings.push(`${app}.${spec.name} row ${key} is in the certified history but missing from the database (deleted)`);
  }
  return findings;
}

/** A table's rows; a table the database does not have (an app newer than the folder) has none. */
function rowsOf(db: Database.Database, table: string): Row[] {
  const exists = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?").get(table);
  return exists ? (db.prepare(`SELECT * FROM ${table}`).all() as Row[]) : [];
}

function indexRows(spec: TableSpec, rows: Row[]): Map<string, Row> {
  return new Map(rows.map((row) => [`(${spec.primaryKey.map((k) => `${k}=${show(row[k])}`).join(', ')})`, row]));
}

function show(value: unknown): string {
  if (value instanceof Uint8Array) return `0x${toHex(value)}`;
  return JSON.stringify(value ?? null);
}
