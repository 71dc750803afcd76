import type Database from 'better-sqlite3';
import { type AppContext, type AppDefinition, AppError, checkArgs } from './app.ts';
import { admitsProposer, registryApp } from './apps/registry.ts';
import { CanonicalJsonError, type JsonValue } from './canonical-json.ts';
import type { CheckpointVote } from './certification/channel.ts';
import {
  type Certificate,
  type Checkpoint,
  checkpointHash,
  checkpointSigningBytes,
  hashOfSigningBytes,
  membershipHash,
  NO_CHECKPOINT,
  signCheckpoint,
} from './checkpoint.ts';
import { DeterminismError, withDeterminismGuard } from './determinism-guard.ts';
import { JournaledDigest, LtHash } from './digest.ts';
import { commandIdsElement, positionElement, resultsElement, resultsRowOf } from './executor-records.ts';
import { toHex } from './hashing.ts';
import { proposalVerifies } from './log/block-proposal.ts';
import { chainHash, genesisHash, type LogBlock, type LogEntry } from './log/command-log.ts';
import { inclusionProof, leafHash, rootFromLeafHashes } from './merkle.ts';
import type { SigningKey } from './node-key.ts';
import { DeterministicRandom } from './random.ts';
import { ReadTransaction } from './read-transaction.ts';
import { type CommandOutcome, type CommandResult, parseResultLeaf, resultLeaf } from './results.ts';
import { type ExecutorPosition, type OwnCheckpoint, StateDb, type StoredResult } from './state-db.ts';
import { AppStore, StoreError, type WriteGate } from './store.ts';
import { createTableDdl, encodeRowElement, indexDdl, physicalTableName, type Row, TableSpecError } from './table.ts';
import { TableWrites } from './table-writes.ts';

/**
 * How far one block may move ctx.time past the previous block's time when the subnet has more
 * than one member. A command's time comes from the clock of the replica that took it in; time
 * is monotonic, so without a bound one replica whose clock runs an hour ahead would set the
 * time of every later command, on every replica, an hour ahead. With it, each block moves
 * time at most 10 s, and honest commands after it wait (time stands still) until real time
 * catches up. On a node alone its one clock is the subnet's clock, and nothing is bounded.
 */
export const MAX_CLOCK_STEP_MS = 10_000;

export class ExecutorError extends Error {
  override name = 'ExecutorError';
}

export interface ExecutorOptions {
  db: Database.Database;
  subnetId: string;
  apps: readonly AppDefinition[];
  /** The replica's key; absent when replaying for an audit, which certifies nothing. */
  signer?: SigningKey;
}

export interface AppliedBlock {
  checkpoint: Checkpoint;
  /** checkpointHash(checkpoint), as the executor worked it out. */
  checkpointHash: string;
  /** This replica's signed vote for the checkpoint; absent when replaying without a key. */
  vote: CheckpointVote | undefined;
  /** The members the checkpoint's membership hash stands for. */
  members: string[];
  /** Set when the block was refused (its proposer is not a member, or its signature fails): recorded, not run. */
  refused?: { proposer: string; reason: string };
  /** Each command's result, with the app it was for (for metrics; not certified). */
  results: (CommandResult & { app: string })[];
}

export interface ResultProof {
  result: CommandResult;
  leafIndex: number;
  treeSize: number;
  /** RFC 9162 audit path, hex, from the result's leaf to the certificate's results root. */
  proof: string[];
  certificate: Certificate;
}

interface InstalledApp {
  definition: AppDefinition;
  writer: AppStore;
  reader: AppStore;
}

/**
 * Applies ordered blocks to the apps' state, deterministically: one SQLite transaction per
 * call, one savepoint per command (so a failing command leaves no trace but its error
 * result), the digest updated on every row write, and a signed checkpoint per block.
 */
export class Executor {
  readonly subnetId: string;
  private readonly state: StateDb;
  private readonly db: Database.Database;
  private readonly apps = new Map<string, InstalledApp>();
  private readonly signer: SigningKey | undefined;
  private readonly digest: LtHash;
  private readonly journal: JournaledDigest;
  private readonly gate: WriteGate = { open: false };
  private readonly writes = new TableWrites();
  private readonly reads: ReadTransaction;
  private position: ExecutorPosition;
  private previousDigest: Buffer;
  private lastCheckpoint: string;
  /** Registry members after the last block applied (read once, then kept from each checkpoint). */
  private memberCount: number | undefined;
  /** The latest time a command of the block being applied may set (see MAX_CLOCK_STEP_MS). */
  private timeCeiling = Number.MAX_SAFE_INTEGER;
  /** Command ids first claimed in the block being applied, in log order. */
  private claimed: { id: string; height: number }[] = [];
  private readonly savepoint;

  constructor(options: ExecutorOptions) {
    this.db = options.db;
    this.subnetId = options.subnetId;
    this.signer = options.signer;
    this.state = new StateDb(this.db);
    this.reads = new ReadTransaction(this.db);
    this.claimSubnet();
    this.position = this.state.position(genesisHash(this.subnetId));
    this.digest = new LtHash(this.position.lthash);
    this.journal = new JournaledDigest(this.digest);
    this.previousDigest = this.digest.digest();
    this.lastCheckpoint = this.checkpointHashOnDisk();
    this.installApps(options.apps);
    this.savepoint = {
      open: this.db.prepare('SAVEPOINT command'),
      release: this.db.prepare('RELEASE command'),
      rollback: this.db.prepare('ROLLBACK TO command'),
    };
  }

  get height(): number {
    return this.position.height;
  }

  get block(): number {
    return this.position.block;
  }

  /** The chain hash of the last applied log entry. */
  get logHead(): Buffer {
    return this.position.logHead;
  }

  /** Applies whole blocks in one transaction; returns what each produced. */
  applyBlocks(blocks: readonly LogBlock[]): AppliedBlock[] {
    this.writes.applying = true;
    try {
      return withDeterminismGuard(() => this.db.transaction(() => blocks.map((block) => this.applyBlock(block))).immediate());
    } catch (error) {
      // The transaction rolled back; forget what memory had run ahead of the database.
      this.position = this.state.position(genesisHash(this.subnetId));
      this.digest.copyFrom(new LtHash(this.position.lthash));
      this.journal.commit();
      this.previousDigest = this.digest.digest();
      this.lastCheckpoint = this.checkpointHashOnDisk();
      this.memberCount = undefined;
      throw error;
    } finally {
      this.writes.applying = false;
    }
  }

  /** Runs `reads` (queries) in one read transaction, begun at their first statement (see ReadTransaction). */
  read<T>(reads: () => T): T {
    return this.reads.run(reads);
  }

  /** Runs a read-only query against the local state. */
  query(appName: string, name: string, args: unknown, caller: string): unknown {
    return this.runQuery(appName, name, args, caller, this.position.height);
  }

  private runQuery(appName: string, name: string, args: unknown, caller: string, height: number): unknown {
    const app = this.apps.get(appName);
    const spec = app && Object.hasOwn(app.definition.queries, name) ? app.definition.queries[name] : undefined;
    if (!app || !spec) throw new AppError('UNKNOWN_QUERY', `app ${appName} has no query ${name}`);
    const problem = checkArgs(spec.args, args);
    if (problem) throw new AppError('INVALID_ARGS', `${appName}.${name}: ${problem}`);
    const query = (other: string, otherName: string, otherArgs: unknown) => this.runQuery(other, otherName, otherArgs, caller, height);
    return spec.run({ height, caller, store: app.reader, query }, args as never);
  }

  /** The result of the first execution of command `id`. */
  result(id: string): CommandResult | undefined {
    const stored = this.state.resultById(id);
    return stored && parseResultLeaf(stored.body, stored.block);
  }

  /** The checkpoint this replica reached after `block`, with its own signature. */
  checkpoint(block: number): OwnCheckpoint | undefined {
    return this.state.checkpoint(block);
  }

  latestCheckpoint(): OwnCheckpoint | undefined {
    return this.state.latestCheckpoint();
  }

  /** The quorum certificate for `block`, once one was collected. */
  certificate(block: number): Certificate | undefined {
    return this.state.certificate(block);
  }

  latestCertificate(): Certificate | undefined {
    return this.state.latestCertificate();
  }

  /** The block that first ran command `id`, if any. */
  blockOf(id: string): number | undefined {
    return this.state.firstExecution(id)?.block;
  }

  /** A command's result with its inclusion proof against its block's certified results root. */
  resultProof(id: string): ResultProof | undefined {
    const stored = this.state.resultById(id);
    if (!stored) return undefined;
    const certificate = this.state.certificate(stored.block);
    if (!certificate) return undefined;
    const leaves = this.state.resultsOfBlock(stored.block);
    const leafIndex = leaves.findIndex((leaf) => leaf.height === stored.height);
    const proof = inclusionProof(leaves.map(leafHashOf), leafIndex).map(toHex);
    return { result: parseResultLeaf(stored.body, stored.block), leafIndex, treeSize: leaves.length, proof, certificate };
  }

  /** Per-command records above `height`, with the digest after each: what a replay compares. */
  resultsFrom(height: number): StoredResult[] {
    return this.state.resultsFrom(height);
  }

  /** The digest as maintained incrementally. */
  currentDigest(): Buffer {
    return this.digest.digest();
  }

  /** The digest recomputed from every app row, as an audit does. */
  scanDigest(): Buffer {
    return this.scanLtHash().digest();
  }

  /** The LtHash of every app row and of the executor's records, recomputed from the tables. */
  scanLtHash(): LtHash {
    const scan = this.scanAppRows();
    for (const row of this.state.resultRows()) scan.add(resultsElement(row.block, row.first_height, row.bodies, row.digests));
    for (const { block, claimed } of this.state.commandIdGroups()) scan.add(commandIdsElement(block, claimed));
    if (this.position.block > 0) scan.add(positionElement(this.position));
    return scan;
  }

  /** The LtHash of the apps' rows alone: equal for any two histories that end in the same rows. */
  scanAppRows(): LtHash {
    const scan = new LtHash();
    for (const { definition } of this.apps.values()) {
      for (const spec of definition.tables) {
        const columns = Object.keys(spec.columns).join(', ');
        for (const row of this.db.prepare(`SELECT ${columns} FROM ${physicalTableName(definition.name, spec.name)}`).iterate()) {
          scan.add(encodeRowElement(definition.name, spec, row as Row));
        }
      }
    }
    return scan;
  }

  private applyBlock(block: LogBlock): AppliedBlock {
    const first = block.entries[0];
    if (block.block !== this.position.block + 1 || !first || first.height !== this.position.height + 1) {
      throw new ExecutorError(
        `expected block ${this.position.block + 1} from height ${this.position.height + 1}, got block ${block.block}` +
          (first ? ` from height ${first.height}` : ' with no entries'),
      );
    }
    this.claimed = [];
    const before = { ...this.position };
    this.memberCount ??= this.members().length;
    this.timeCeiling = this.memberCount > 1 ? before.time + MAX_CLOCK_STEP_MS : Number.MAX_SAFE_INTEGER;
    const refusal = this.refusalOf(block);
    const applied = block.entries.map((entry) => this.applyEntry(entry, refusal));
    const stored = applied.map((a) => a.stored);
    const { bodies, digests } = resultsRowOf(stored);
    this.state.insertBlockResults(block.block, first.height, bodies, digests);
    // The block's records enter the digest once, after its commands: they are state too.
    this.digest.add(resultsElement(block.block, first.height, bodies, digests));
    if (this.claimed.length > 0) this.digest.add(commandIdsElement(block.block, this.claimed));
    if (before.block > 0) this.digest.remove(positionElement(before));
    this.position.block = block.block;
    this.digest.add(positionElement(this.position));
    this.previousDigest = this.digest.digest();
    const members = this.members();
    this.memberCount = members.length;
    const membership = membershipHash(members);
    const checkpoint: Checkpoint = {
      subnet: this.subnetId,
      block: block.block,
      firstHeight: first.height,
      height: this.position.height,
      time: this.position.time,
      digest: toHex(this.previousDigest),
      logHead: toHex(this.position.logHead),
      resultsRoot: toHex(rootFromLeafHashes(stored.map(leafHashOf))),
      membership,
      previous: this.lastCheckpoint,
    };
    // Signed and hashed from one encoding: the checkpoint's hash is the hash of what is signed.
    const signingBytes = checkpointSigningBytes(checkpoint);
    const signature = this.signer ? signCheckpoint(checkpoint, this.signer, signingBytes) : undefined;
    this.lastCheckpoint = hashOfSigningBytes(signingBytes);
    this.position.lthash = this.digest.bytes();
    this.state.insertMembership(membership, members);
    this.state.insertCheckpoint({ checkpoint, signature });
    this.state.savePosition(this.position);
    const results = applied.map(({ stored: { height, id }, outcome, app }) => ({ ...outcome, id, height, block: block.block, app }));
    const refused = refusal && block.proposal ? { refused: { proposer: block.proposal.proposer, reason: refusal } } : {};
    return { checkpoint, checkpointHash: this.lastCheckpoint, vote: signature && { checkpoint, signature }, members, results, ...refused };
  }

  /** The registry's members after the block, sorted: who may certify its checkpoint. */
  private members(): string[] {
    if (!this.apps.has('registry')) return [];
    return this.runQuery('registry', 'members', {}, 'executor', this.position.height) as string[];
  }

  private checkpointHashOnDisk(): string {
    const latest = this.state.latestCheckpoint();
    return latest ? checkpointHash(latest.checkpoint) : NO_CHECKPOINT;
  }

  /**
   * Why a proposed block must not run, or undefined when it may: a cluster log orders what
   * any etcd client wrote, so every replica checks, identically, that a member signed it.
   * Blocks of the embedded log carry no proposal: this replica wrote them itself.
   */
  private refusalOf(block: LogBlock): string | undefined {
    const { proposal } = block;
    if (!proposal) return undefined;
    if (
      !proposalVerifies(
        this.subnetId,
        proposal,
        block.entries.map((entry) => entry.bytes),
      )
    ) {
      return `block ${block.block} does not carry a valid signature of its proposer ${proposal.proposer}`;
    }
    const registry = this.apps.get(registryApp.name)?.reader;
    const first = block.entries[0] as LogEntry;
    if (!registry || !admitsProposer(registry, proposal.proposer, first.command)) {
      return `block ${block.block} was proposed by ${proposal.proposer}, which is not a member of the subnet`;
    }
    return undefined;
  }

  private applyEntry(entry: LogEntry, refusal: string | undefined): { stored: StoredResult; outcome: CommandOutcome; app: string } {
    const { command, height } = entry;
    if (height !== this.position.height + 1) throw new ExecutorError(`expected height ${this.position.height + 1}, got ${height}`);
    // Every entry, not just a block's first: blocks read back from disk are not trusted.
    if (!chainHash(this.position.logHead, height, entry.block, entry.bytes).equals(entry.hash)) {
      throw new ExecutorError(`log entry at height ${height} does not chain from the entry before it`);
    }
    // A refused block is recorded without running, without claiming its ids (the same command
    // may still run when a member orders it) and without moving the subnet's time.
    let settled: { outcome: CommandOutcome; body: string };
    if (refusal !== undefined) settled = settle(height, command.id, failure('REFUSED_BLOCK', refusal));
    else {
      this.position.time = Math.max(this.position.time, Math.min(command.time, this.timeCeiling));
      const claimed = this.state.claimCommandId(command.id, height, entry.block);
      if (claimed) this.claimed.push({ id: command.id, height });
      settled = claimed ? this.run(entry) : this.duplicate(entry);
    }
    const { outcome, body } = settled;
    this.position.height = height;
    this.position.logHead = entry.hash;
    this.previousDigest = this.digest.digest();
    const stored: StoredResult = { height, block: entry.block, id: command.id, ok: outcome.ok, body, digest: this.previousDigest };
    return { stored, outcome, app: command.app };
  }

  /** A repeat of an id that already ran: recorded, not executed. */
  private duplicate(entry: LogEntry): { outcome: CommandOutcome; body: string } {
    const first = this.state.firstExecution(entry.command.id);
    return settle(
      entry.height,
      entry.command.id,
      failure('DUPLICATE', `command ${entry.command.id} already ran at height ${first?.height}`),
    );
  }

  /** Runs one command's method. Never throws for anything the app does: that becomes its result. */
  private run(entry: LogEntry): { outcome: CommandOutcome; body: string } {
    const { command, height } = entry;
    const app = this.apps.get(command.app);
    const spec = app && Object.hasOwn(app.definition.methods, command.method) ? app.definition.methods[command.method] : undefined;
    if (!app || !spec) return settle(height, command.id, failure('UNKNOWN_METHOD', `app ${command.app} has no method ${command.method}`));
    const previousDigest = this.previousDigest;
    let random: DeterministicRandom | undefined;
    const ctx: AppContext = {
      time: this.position.time,
      height,
      commandId: command.id,
      caller: command.caller,
      store: app.writer,
      query: (appName, name, args) => this.runQuery(appName, name, args, command.caller, height),
      get random() {
        random ??= new DeterministicRandom(height, previousDigest);
        return random;
      },
    };
    this.savepoint.open.run();
    this.gate.open = true;
    try {
      const problem = checkArgs(spec.args, command.args);
      if (problem) throw new AppError('INVALID_ARGS', `${command.app}.${command.method}: ${problem}`);
      const value = spec.run(ctx, command.args as never) as unknown;
      if (value instanceof Promise) {
        // Whatever the promise does later fails (the write gate is shut); it must not crash the node.
        value.catch(() => undefined);
        throw new ExecutorError('app methods must be synchronous; return a value, not a promise');
      }
      this.gate.open = false;
      // Encoding can still fail (a float in the result): it throws here, before the writes are kept.
      const outcome: CommandOutcome = { ok: true, value: (value === undefined ? null : value) as JsonValue };
      const body = resultLeaf(height, command.id, outcome);
      this.savepoint.release.run();
      this.journal.commit();
      return { outcome, body };
    } catch (error) {
      this.gate.open = false;
      this.savepoint.rollback.run();
      this.savepoint.release.run();
      this.journal.rollback();
      return settle(height, command.id, outcomeOf(error, `${command.app}.${command.method}`));
    }
  }

  private installApps(apps: readonly AppDefinition[]): void {
    this.db.transaction(() => {
      for (const definition of apps) {
        if (this.apps.has(definition.name)) throw new ExecutorError(`two apps are named ${definition.name}`);
        // A read-only audit of a folder made before an app existed: that app holds no rows there.
        if (this.db.readonly && !this.hasTables(definition)) continue;
        for (const spec of definition.tables) {
          this.db.exec(createTableDdl(definition.name, spec));
          // An audit reads a folder as it was written: an index it lacks costs the audit speed, not answers.
          if (!this.db.readonly) for (const ddl of indexDdl(definition.name, spec)) this.db.exec(ddl);
        }
        this.apps.set(definition.name, {
          definition,
          writer: new AppStore(this.db, definition.name, definition.tables, this.journal, { gate: this.gate, writes: this.writes }),
          reader: new AppStore(this.db, definition.name, definition.tables, null, {
            writes: this.writes,
            beforeRead: () => this.reads.beforeStatement(),
          }),
        });
      }
    })();
  }

  private hasTables(definition: AppDefinition): boolean {
    const exists = this.db.prepare<[string], { name: string }>("SELECT name FROM sqlite_schema WHERE type = 'table' AND name = ?");
    return definition.tables.every((spec) => exists.get(physicalTableName(definition.name, spec.name)) !== undefined);
  }

  private claimSubnet(): void {
    const stored = this.state.meta('subnet_id');
    if (stored === undefined) this.state.setMeta('subnet_id', this.subnetId);
    else if (stored !== this.subnetId) {
      throw new ExecutorError(`this state belongs to subnet "${String(stored)}", not "${this.subnetId}"`);
    }
  }
}

function leafHashOf(result: StoredResult): Uint8Array {
  return leafHash(Buffer.from(result.body, 'utf8'));
}

function failure(code: string, message: string): CommandOutcome {
  return { ok: false, error: { code, message } };
}

/**
 * A failure as every replica records it. Only an app's own refusals keep their words; any
 * other error is reduced to its kind, because engine and library messages may differ between
 * releases and a certified result must not.
 */
function outcomeOf(error: unknown, where: string): CommandOutcome {
  if (error instanceof AppError) {
    return {
      ok: false,
      error: { code: error.code, message: error.message, ...(error.details === undefined ? {} : { details: error.details }) },
    };
  }
  if (error instanceof DeterminismError) return failure('NONDETERMINISTIC', error.message);
  if (error instanceof StoreError || error instanceof TableSpecError) return failure('STORE', error.message);
  if (error instanceof ExecutorError) return failure('APP_FAILURE', error.message);
  if (error instanceof CanonicalJsonError)
    return failure('BAD_RESULT', `${where} returned a value canonical JSON cannot hold: ${error.message}`);
  const kind = error instanceof Error && /^[A-Za-z]{1,40}$/.test(error.name) ? error.name : 'an exception';
  return failure('APP_FAILURE', `${where} failed with ${kind}`);
}

/** The outcome with its result-leaf bytes; an outcome that cannot be encoded becomes a plain failure. */
function settle(height: number, id: string, outcome: CommandOutcome): { outcome: CommandOutcome; body: string } {
  try {
    return { outcome, body: resultLeaf(height, id, outcome) };
  } catch (error) {
    if (!(error instanceof CanonicalJsonError)) throw error;
    const plain = failure(
      outcome.ok ? 'BAD_RESULT' : 'APP_FAILURE',
      `the command's ${outcome.ok ? 'result' : 'error details'} cannot be encoded as canonical JSON`,
    );
    return { outcome: plain, body: resultLeaf(height, id, plain) };
  }
}
