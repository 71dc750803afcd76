import { chmodSync, closeSync, fsyncSync, openSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { AppDefinition } from './app.ts';
import type { RegistryView } from './apps/registry.ts';
import { canonicalJsonBytes } from './canonical-json.ts';
import { type Certificate, membershipHash, signCheckpoint, verifyCertificate } from './checkpoint.ts';
import { dataFiles } from './data-dir.ts';
import { Executor } from './executor.ts';
import { fromHex, toHex } from './hashing.ts';
import { SqliteLog } from './log/sqlite-log.ts';
import { type SigningKey, verifySignature } from './node-key.ts';
import { StateDb } from './state-db.ts';

/**
 * State sync: a replica's whole state (apps' rows and the executor's records) as
 * one SQLite image, and how a replica that receives one checks it against a quorum
 * certificate before trusting it. Everything a replica needs to continue — command ids,
 * results, position and time — is under the digest, so the check is one full scan; what is
 * not under it (checkpoints, certificates) is not to be trusted from the image.
 */
export interface SnapshotCheck {
  ok: boolean;
  problems: string[];
  /** The registry the snapshot holds, for the caller to check against pinned governance keys. */
  registry: RegistryView | null;
  /** The members the checkpoint commits to, as the snapshot's registry names them. */
  members: string[];
}

/** A peer's state at a block, with that block's quorum certificate and the etcd revision that ordered it. */
export interface CertifiedSnapshot {
  image: Buffer;
  certificate: Certificate;
  /** Where the cluster log continues after the snapshot's block. */
  revision: number;
}

/** A snapshot that passed verifySnapshot and the trust checks, with the members its certificate was counted against. */
export interface VerifiedSnapshot extends CertifiedSnapshot {
  members: string[];
}

/**
 * A serialized database from a WAL-mode file says so in its header (bytes 18 and 19), and a
 * database opened from memory cannot use a WAL: mark the copy as a plain rollback-journal
 * database, which is what it is once taken out of its file.
 */
export function portableImage(serialized: Buffer): Buffer {
  const image = Buffer.from(serialized);
  if (image.length >= 20) image.fill(1, 18, 20);
  return image;
}

export function verifySnapshot(image: Buffer, certificate: Certificate, subnetId: string, apps: readonly AppDefinition[]): SnapshotCheck {
  let db: Database.Database;
  try {
    db = new Database(portableImage(image));
  } catch (error) {
    return { ok: false, problems: [`the snapshot is not a SQLite database: ${(error as Error).message}`], registry: null, members: [] };
  }
  try {
    return checkCertifiedState(db, certificate, subnetId, apps);
  } finally {
    db.close();
  }
}

/**
 * Checks a state database against the quorum certificate of the block it claims to be at: a
 * peer's image before it is installed, and the base a state-synced replica keeps for its audit.
 */
export function checkCertifiedState(
  db: Database.Database,
  certificate: Certificate,
  subnetId: string,
  apps: readonly AppDefinition[],
): SnapshotCheck {
  try {
    // No Watan state holds triggers or views; a peer's image that does would run its own SQL
    // on this replica's later writes, outside the digest's view.
    const code = db.prepare<[], { name: string }>("SELECT name FROM sqlite_schema WHERE type IN ('trigger', 'view')").all();
    if (code.length > 0) {
      return {
        ok: false,
        problems: [`the snapshot holds triggers or views (${code.map((c) => c.name).join(', ')})`],
        registry: null,
        members: [],
      };
    }
    const executor = new Executor({ db, subnetId, apps });
    const { checkpoint } = certificate;
    const problems: string[] = [];
    if (executor.block !== checkpoint.block || executor.height !== checkpoint.height) {
      problems.push(`the snapshot is at block ${executor.block} (height ${executor.height}), the certificate at block ${checkpoint.block}`);
    }
    if (toHex(executor.logHead) !== checkpoint.logHead) problems.push('the snapshot follows another log than the certified one');
    const digest = toHex(executor.scanDigest());
    if (digest !== checkpoint.digest) problems.push(`the snapshot's digest ${digest} is not the certified ${checkpoint.digest}`);
    const members = executor.query('registry', 'members', {}, 'state-sync') as string[];
    if (membershipHash(members) !== checkpoint.membership)
      problems.push("the snapshot's registry is not the membership the checkpoint commits to");
    problems.push(...verifyCertificate(certificate, subnetId, members).problems);
    const registry = executor.query('registry', 'view', {}, 'state-sync') as RegistryView | null;
    return { ok: problems.length === 0, problems, registry, members };
  } catch (error) {
    return {
      ok: false,
      problems: [`the snapshot cannot be read as this subnet's state: ${(error as Error).message}`],
      registry: null,
      members: [],
    };
  }
}

/**
 * Makes a verified snapshot this replica's state (state sync, second half): the image becomes
 * `state.sqlite`, and the log becomes an empty mirror that continues after the snapshot's
 * block. The old state and mirror go: the mirror cannot link to the new state, and the blocks
 * it lacks are gone from etcd. What the image holds outside the digest (checkpoints,
 * certificates, memberships) is not taken from the peer: the verified certificate becomes
 * this replica's first, its checkpoint signed by this replica, which has verified that state.
 * The image is also kept as it was verified, with its certificate, in `base.sqlite`: the
 * history before it is not held here, so an audit starts from that base (and replays from it
 * to name an altered row) after checking it against the certificate again.
 * Call with the data folder locked and its databases closed, after verifySnapshot.
 */
export function installSnapshot(dataDir: string, subnetId: string, nodeKey: SigningKey, snapshot: VerifiedSnapshot): void {
  const files = dataFiles(dataDir);
  for (const path of [files.seal, files.base, files.state, files.log].flatMap((file) => [file, `${file}-wal`, `${file}-shm`]))
    rmSync(path, { force: true });
  const { checkpoint } = snapshot.certificate;
  writeStateImage(files.base, snapshot.image, (state) => {
    state.insertMembership(checkpoint.membership, snapshot.members);
    state.insertCertificate(snapshot.certificate);
  });
  writeStateImage(files.state, snapshot.image, (state) => {
    state.insertMembership(checkpoint.membership, snapshot.members);
    state.insertCheckpoint({ checkpoint, signature: signCheckpoint(checkpoint, nodeKey) });
    state.insertCertificate(snapshot.certificate);
  });
  const log = new SqliteLog(files.log, subnetId);
  try {
    log.startAt({ block: checkpoint.block, height: checkpoint.height, hash: fromHex(checkpoint.logHead), revision: snapshot.revision });
  } finally {
    log.close();
  }
}

/**
 * Writes a snapshot image to `path` (0600, fsynced), with the records outside the digest
 * (checkpoints, certificates, memberships) replaced by `records`: nothing of them comes from the peer.
 */
function writeStateImage(path: string, snapshotImage: Buffer, records: (state: StateDb) => void): void {
  const image = new Database(portableImage(snapshotImage));
  try {
    image.prepare('VACUUM INTO ?').run(path);
  } finally {
    image.close();
  }
  chmodSync(path, 0o600);
  const db = new Database(path);
  try {
    db.pragma('synchronous = FULL');
    db.transaction(() => {
      db.exec('DELETE FROM watan_checkpoints; DELETE FROM watan_certificates; DELETE FROM watan_memberships;');
      records(new StateDb(db));
    })();
  } finally {
    db.close();
  }
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

const REQUEST_DOMAIN = 'watan/snapshot-request/v1\n';
/** How old a signed snapshot request may be: long enough for clock skew, short enough to make replay useless. */
export const SNAPSHOT_REQUEST_WINDOW_MS = 60_000;

function requestBytes(subnetId: string, time: number): Buffer {
  return Buffer.concat([Buffer.from(REQUEST_DOMAIN, 'utf8'), canonicalJsonBytes({ subnet: subnetId, time })]);
}

/** The headers a replica sends to ask a peer for its state: its node id, the time, and its signature over both. */
export function snapshotRequestHeaders(key: SigningKey, subnetId: string, now = Date.now()): Record<string, string> {
  return {
    'x-watan-node': key.id,
    'x-watan-time': String(now),
    'x-watan-signature': key.sign(requestBytes(subnetId, now)).toString('base64url'),
  };
}

/** The requesting node when the headers are a fresh signature by it; what is wrong otherwise. */
export function checkSnapshotRequest(
  headers: Record<string, string | string[] | undefined>,
  subnetId: string,
  now = Date.now(),
): { node: string } | { problem: string } {
  const [node, time, signature] = ['x-watan-node', 'x-watan-time', 'x-watan-signature'].map((name) => headers[name]);
  if (typeof node !== 'string' || typeof time !== 'string' || typeof signature !== 'string') {
    return { problem: 'a snapshot is for replicas: sign the request (x-watan-node, x-watan-time, x-watan-signature)' };
  }
  const at = Number(time);
  if (!Number.isSafeInteger(at) || Math.abs(now - at) > SNAPSHOT_REQUEST_WINDOW_MS) {
    return { problem: "x-watan-time is not within a minute of this node's clock" };
  }
  if (!verifySignature(node, requestBytes(subnetId, at), Buffer.from(signature, 'base64url'))) {
    return { problem: 'x-watan-signature does not verify for x-watan-node' };
  }
  return { node };
}
