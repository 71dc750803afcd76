import Database from 'better-sqlite3';
import type { AppDefinition } from './app.ts';
import type { RegistryView } from './apps/registry.ts';
import { canonicalJsonBytes } from './canonical-json.ts';
import { type Certificate, membershipHash, verifyCertificate } from './checkpoint.ts';
import { Executor } from './executor.ts';
import { toHex } from './hashing.ts';
import { type SigningKey, verifySignature } from './node-key.ts';

/**
 * State sync, first half: a replica's whole state (apps' rows and the executor's records) as
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
    return { ok: false, problems: [`the snapshot is not a SQLite database: ${(error as Error).message}`], registry: null };
  }
  try {
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
    return { ok: problems.length === 0, problems, registry };
  } catch (error) {
    return { ok: false, problems: [`the snapshot cannot be read as this subnet's state: ${(error as Error).message}`], registry: null };
  } finally {
    db.close();
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
