import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { canonicalJsonBytes } from './canonical-json.ts';
import { DivergenceError } from './certification/evidence.ts';
import { checkpointHash, checkpointSigningBytes } from './checkpoint.ts';
import { DataDirError, dataFiles, writeFileDurably } from './data-dir.ts';
import type { Executor } from './executor.ts';
import { toHex } from './hashing.ts';
import type { CommandLog } from './log/command-log.ts';
import { type SigningKey, verifySignature } from './node-key.ts';

/**
 * Start-up trust: a node must not serve a data folder someone edited while it was stopped.
 *
 * The sound check is the full one — the log's hash chain from the first entry and the state
 * digest recomputed from every row, both against the node's last signed checkpoint — and it
 * is O(rows). So a node that stops cleanly seals its folder: the SHA-256 of each database
 * file as it left it, signed by its node key (the seal is the last verified point). A start
 * that finds an intact seal knows the files are byte for byte what the node itself last
 * wrote, which costs one sequential read of the files (SHA-256 runs at disk speed, far faster
 * than re-expanding every row into the digest); it then needs only the O(1) checks below. A
 * start without a seal (after a crash or kill -9) or with one that does not match does the
 * full check before serving. The seal is consumed at start: it never vouches for files the
 * node has written since.
 */
const SEAL_DOMAIN = Buffer.from('watan/seal/v1\n', 'utf8');

interface Seal {
  subnet: string;
  node: string;
  height: number;
  files: Record<string, string>;
  signature: string;
}

export class UntrustedDataError extends DataDirError {
  override name = 'UntrustedDataError';

  constructor(dir: string, finding: string) {
    super(
      `${dir} was changed outside the node (${finding}); it refuses to serve this folder — run watan audit --data ${dir} to see what differs, and restore it from another replica or a backup`,
    );
  }
}

/** The database files a seal covers, with their write-ahead logs when present. */
function sealedFiles(dir: string): string[] {
  const files = dataFiles(dir);
  return [files.log, `${files.log}-wal`, files.state, `${files.state}-wal`].filter((path) => existsSync(path));
}

function fileSha256(path: string): string {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(1 << 20);
  const fd = openSync(path, 'r');
  try {
    for (;;) {
      const read = readSync(fd, buffer, 0, buffer.length, null);
      if (read === 0) break;
      hash.update(buffer.subarray(0, read));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

function sealBytes(seal: Omit<Seal, 'signature'>): Buffer {
  return Buffer.concat([SEAL_DOMAIN, canonicalJsonBytes(seal)]);
}

function fileHashes(dir: string): Record<string, string> {
  return Object.fromEntries(sealedFiles(dir).map((path) => [basename(path), fileSha256(path)]));
}

/** Seals a stopped node's folder (its databases closed): the next start may trust it without a full scan. */
export function sealDataDir(dir: string, subnet: string, key: SigningKey, height: number): void {
  const unsigned = { subnet, node: key.id, height, files: fileHashes(dir) };
  const seal: Seal = { ...unsigned, signature: key.sign(sealBytes(unsigned)).toString('base64url') };
  writeFileDurably(dataFiles(dir).seal, `${JSON.stringify(seal, null, 2)}\n`, 0o600);
}

/**
 * Reads and removes the folder's seal; true when it is this node's and every database file is
 * exactly as sealed. Call before the databases are opened.
 */
export function takeSeal(dir: string, subnet: string, key: SigningKey): boolean {
  const path = dataFiles(dir).seal;
  if (!existsSync(path)) return false;
  let seal: Seal;
  try {
    seal = JSON.parse(readFileSync(path, 'utf8')) as Seal;
  } catch {
    seal = {} as Seal;
  } finally {
    rmSync(path, { force: true });
  }
  const { signature, ...unsigned } = seal;
  if (typeof signature !== 'string' || seal.subnet !== subnet || seal.node !== key.id) return false;
  if (!verifySignature(key.id, sealBytes(unsigned), Buffer.from(signature, 'base64url'))) return false;
  return JSON.stringify(fileHashes(dir)) === JSON.stringify(seal.files);
}

/**
 * What is checked at every start, sealed or not, in O(1): the last checkpoint is signed by
 * this node's key, names the log entry the state was built from, and the stored running
 * digest is the one it certified. `full` adds the O(rows) part: the whole log chain and the
 * digest recomputed from every row.
 */
export function verifyAtStart(dir: string, executor: Executor, log: CommandLog, key: SigningKey, full: boolean): void {
  const latest = executor.latestCheckpoint();
  if (full) {
    const chainBreak = log.verifyChain();
    if (chainBreak) throw new UntrustedDataError(dir, chainBreak.message);
  }
  if (!latest) return;
  assertNotDiverged(dir, executor);
  const { checkpoint, signature } = latest;
  const signed =
    signature?.node === key.id &&
    verifySignature(key.id, checkpointSigningBytes(checkpoint), Buffer.from(signature.signature, 'base64url'));
  if (!signed) throw new UntrustedDataError(dir, `the checkpoint of block ${checkpoint.block} is not signed by this node's key`);
  if (checkpoint.height !== executor.height || toHex(executor.logHead) !== checkpoint.logHead) {
    throw new UntrustedDataError(dir, `the state's position is not the one checkpointed at block ${checkpoint.block}`);
  }
  if (toHex(log.hashAt(checkpoint.height) ?? Buffer.alloc(0)) !== checkpoint.logHead) {
    throw new UntrustedDataError(dir, `the log at height ${checkpoint.height} is not the one checkpointed`);
  }
  if (toHex(executor.currentDigest()) !== checkpoint.digest) {
    throw new UntrustedDataError(dir, 'the stored state digest is not the one checkpointed');
  }
  if (full && toHex(executor.scanDigest()) !== checkpoint.digest) {
    throw new UntrustedDataError(
      dir,
      `the state digest recomputed from its rows differs from the one checkpointed at block ${checkpoint.block}`,
    );
  }
}

/** A replica that diverged stays stopped: its latest certificate is for other state than its own. */
function assertNotDiverged(dir: string, executor: Executor): void {
  const certified = executor.latestCertificate();
  if (!certified) return;
  const { block } = certified.checkpoint;
  const own = executor.checkpoint(block);
  if (own && checkpointHash(own.checkpoint) === checkpointHash(certified.checkpoint)) return;
  throw new DivergenceError(block, join(dir, 'evidence', `divergence-block-${block}.json`));
}
