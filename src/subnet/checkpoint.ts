import { canonicalJsonBytes } from './canonical-json.ts';
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
}

export interface CheckpointSignature {
  node: string;
  signature: string;
}

/** A checkpoint with the signatures of the replicas that reached it; a quorum makes it certified. */
export interface Certificate {
  checkpoint: Checkpoint;
  signatures: CheckpointSignature[];
}

const DOMAIN = Buffer.from('watan/checkpoint/v1\n', 'utf8');

export function checkpointSigningBytes(checkpoint: Checkpoint): Buffer {
  return Buffer.concat([DOMAIN, canonicalJsonBytes(checkpoint)]);
}

export function signCheckpoint(checkpoint: Checkpoint, key: SigningKey): CheckpointSignature {
  return { node: key.id, signature: key.sign(checkpointSigningBytes(checkpoint)).toString('base64url') };
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

/** Verifies a certificate against the registry's current members. */
export function verifyCertificate(certificate: Certificate, subnet: string, members: readonly string[]): CertificateCheck {
  const problems: string[] = [];
  if (certificate.checkpoint.subnet !== subnet) {
    problems.push(`certificate is for subnet "${certificate.checkpoint.subnet}", not "${subnet}"`);
  }
  const bytes = checkpointSigningBytes(certificate.checkpoint);
  const signers = new Set<string>();
  for (const { node, signature } of certificate.signatures) {
    if (!members.includes(node)) problems.push(`signature by ${node}, which is not a member of the subnet`);
    else if (!verifySignature(node, bytes, Buffer.from(signature, 'base64url'))) problems.push(`signature by ${node} does not verify`);
    else signers.add(node);
  }
  const needed = quorumSize(members.length);
  if (signers.size < needed) problems.push(`${signers.size} valid member signature(s); a quorum of ${members.length} members is ${needed}`);
  return { ok: problems.length === 0, signers: [...signers], problems };
}
