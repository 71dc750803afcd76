import { canonicalJsonBytes } from './canonical-json.ts';
import { sha256, toHex } from './hashing.ts';
import { type SigningKey, verifySignature } from './node-key.ts';

/** What a replica attests after applying a block. Hashes are lower-case hex. */
export interface Checkpoint {
  subnet: string;
  block: number;
  /** The first and last log heights the block holds. */
  firstHeight: number;
  height: number;
  /** Executor time after the block, in milliseconds. */
  time: number;
  /** SHA-256 of the LtHash of all app state after the block. */
  digest: string;
  /** The log's chain hash at `height`. */
  logHead: string;
  /** RFC 9162 Merkle root over the block's command results, in log order. */
  resultsRoot: string;
  /**
   * The registry's members after the block and the quorum they need (see membershipHash): who
   * may certify this checkpoint, so a verifier need not trust a member list a node serves.
   */
  membership: string;
  /** The hash of the previous block's checkpoint (checkpointHash; zeros before block 1): older checkpoints cannot be edited alone. */
  previous: string;
}

export interface CheckpointSignature {
  node: string;
  signature: string;
}

/** A checkpoint with the signatures of the replicas that reached it; a quorum makes it certified. */
export interface Certificate {
  checkpoint: Checkpoint;
  signatures: CheckpointSignature[];
  /** The members the checkpoint's membership hash stands for, so a verifier can count signatures without trusting anyone. */
  members?: string[];
}

const DOMAIN = Buffer.from('watan/checkpoint/v2\n', 'utf8');
const MEMBERSHIP_DOMAIN = Buffer.from('watan/membership/v1\n', 'utf8');

/** What the checkpoint before block 1 hashes to. */
export const NO_CHECKPOINT = '0'.repeat(64);

/** Commits to a member set (order and repeats do not matter) and the quorum it needs. */
export function membershipHash(members: readonly string[]): string {
  const sorted = [...new Set(members)].sort();
  return toHex(sha256(MEMBERSHIP_DOMAIN, canonicalJsonBytes({ members: sorted, quorum: quorumSize(sorted.length) })));
}

export function checkpointHash(checkpoint: Checkpoint): string {
  return hashOfSigningBytes(checkpointSigningBytes(checkpoint));
}

/** A checkpoint's hash from the bytes its signatures cover, for a caller that already holds them. */
export function hashOfSigningBytes(bytes: Uint8Array): string {
  return toHex(sha256(bytes));
}

export function checkpointSigningBytes(checkpoint: Checkpoint): Buffer {
  return Buffer.concat([DOMAIN, canonicalJsonBytes(checkpoint)]);
}

/** Signs the checkpoint; `bytes` are its signing bytes, for a caller that already holds them. */
export function signCheckpoint(checkpoint: Checkpoint, key: SigningKey, bytes = checkpointSigningBytes(checkpoint)): CheckpointSignature {
  return { node: key.id, signature: key.sign(bytes).toString('base64url') };
}

/** Byzantine quorum for n replicas: more than two thirds (1 of 1, 3 of 4, 5 of 7). */
export function quorumSize(replicas: number): number {
  return Math.floor((2 * replicas) / 3) + 1;
}

export interface CertificateCheck {
  ok: boolean;
  /** Members whose valid signatures counted. */
  signers: string[];
  problems: string[];
}

/**
 * Verifies a certificate against the member set its checkpoint commits to: `members` (by
 * default the list the certificate carries) must hash to the checkpoint's membership, and more
 * than two thirds of them must have signed these very checkpoint bytes.
 */
export function verifyCertificate(
  certificate: Certificate,
  subnet: string,
  members: readonly string[] | undefined = certificate.members,
): CertificateCheck {
  const problems: string[] = [];
  if (certificate.checkpoint.subnet !== subnet) {
    problems.push(`certificate is for subnet "${certificate.checkpoint.subnet}", not "${subnet}"`);
  }
  if (!members) return { ok: false, signers: [], problems: [...problems, 'the certificate names no members to count signatures against'] };
  if (membershipHash(members) !== certificate.checkpoint.membership) {
    problems.push('the member list does not match the membership the checkpoint commits to');
  }
  const bytes = checkpointSigningBytes(certificate.checkpoint);
  const signers = new Set<string>();
  for (const { node, signature } of certificate.signatures) {
    if (signers.has(node)) problems.push(`signature by ${node} appears twice`);
    else if (!members.includes(node)) problems.push(`signature by ${node}, which is not a member of the subnet`);
    else if (!verifySignature(node, bytes, Buffer.from(signature, 'base64url'))) problems.push(`signature by ${node} does not verify`);
    else signers.add(node);
  }
  const size = new Set(members).size;
  const needed = quorumSize(size);
  if (signers.size < needed) problems.push(`${signers.size} valid member signature(s); a quorum of ${size} members is ${needed}`);
  return { ok: problems.length === 0, signers: [...signers], problems };
}
