import {
  type Certificate,
  type Checkpoint,
  checkpointHash,
  checkpointSigningBytes,
  hashOfSigningBytes,
  quorumSize,
} from '../checkpoint.ts';
import { verifySignature } from '../node-key.ts';
import type { CheckpointVote } from './channel.ts';

/** What this replica itself reached at a block: the checkpoint and the members who may certify it. */
export interface OwnView {
  checkpoint: Checkpoint;
  members: readonly string[];
}

/** A quorum certified another checkpoint than this replica's own: both, signed. */
export interface Divergence {
  block: number;
  own: Checkpoint;
  certificate: Certificate;
}

export interface CollectorOptions {
  subnetId: string;
  /** This replica's own view of `block`, once it has applied it; votes for later blocks wait. */
  own(block: number): OwnView | undefined;
  /** Whether `block` already has its certificate (it is never replaced). */
  isCertified(block: number): boolean;
  /** Called once per block, when more than two thirds of its members signed one checkpoint. */
  certified(certificate: Certificate): void;
  /** Called when that checkpoint is not the one this replica reached. */
  diverged(divergence: Divergence): void;
}

/** Votes for blocks this far beyond what the replica has applied are dropped, not kept. */
const MAX_BLOCKS_AHEAD = 1024;
/** Blocks with votes but no certificate yet that are kept; beyond it the oldest are dropped. */
const MAX_PENDING_BLOCKS = 4096;

interface Candidate {
  checkpoint: Checkpoint;
  signatures: Map<string, string>;
}

interface PendingBlock {
  /** By checkpoint hash. */
  candidates: Map<string, Candidate>;
  /** Each signer's first vote at this block (its checkpoint hash): a second, different one counts for nothing. */
  voted: Map<string, string>;
}

/**
 * Merges checkpoint votes into quorum certificates. Votes are untrusted: each signature is
 * verified, signers are counted only against the members this replica's own execution says
 * may certify the block (never a list the vote brings), and a block gets at most one
 * certificate. A replica certifies only blocks it has applied itself, so it can compare the
 * quorum's checkpoint with its own.
 */
export class CertificateCollector {
  private readonly options: CollectorOptions;
  private readonly pending = new Map<number, PendingBlock>();
  private appliedBlock = 0;

  constructor(options: CollectorOptions) {
    this.options = options;
  }

  /**
   * Takes a vote from anyone; ignores what cannot count. `own` marks this replica's own vote,
   * signed here a moment ago: its signature is not checked again.
   */
  add(vote: CheckpointVote, own = false): void {
    const block = readVote(vote, this.options.subnetId);
    if (block === undefined || block > this.appliedBlock + MAX_BLOCKS_AHEAD) return;
    if (this.options.isCertified(block)) return;
    let bytes: Buffer;
    try {
      bytes = checkpointSigningBytes(vote.checkpoint);
    } catch {
      return;
    }
    const { node, signature } = vote.signature;
    const hash = hashOfSigningBytes(bytes);
    // The same vote arriving again (directly and through etcd) was verified the first time.
    if (this.pending.get(block)?.candidates.get(hash)?.signatures.get(node) === signature) return;
    if (!own && !verifySignature(node, bytes, Buffer.from(signature, 'base64url'))) return;
    const entry = this.pendingAt(block);
    const earlier = entry.voted.get(node);
    if (earlier !== undefined && earlier !== hash) return;
    entry.voted.set(node, hash);
    const candidate = entry.candidates.get(hash) ?? { checkpoint: vote.checkpoint, signatures: new Map() };
    candidate.signatures.set(node, signature);
    entry.candidates.set(hash, candidate);
    this.tryCertify(block);
  }

  /** This replica has applied `block`: votes that waited for it may now count. */
  applied(block: number): void {
    this.appliedBlock = Math.max(this.appliedBlock, block);
    if (this.pending.has(block)) this.tryCertify(block);
  }

  private pendingAt(block: number): PendingBlock {
    let entry = this.pending.get(block);
    if (!entry) {
      entry = { candidates: new Map(), voted: new Map() };
      this.pending.set(block, entry);
      if (this.pending.size > MAX_PENDING_BLOCKS) this.pending.delete(Math.min(...this.pending.keys()));
    }
    return entry;
  }

  private tryCertify(block: number): void {
    const own = this.options.own(block);
    const entry = this.pending.get(block);
    if (!own || !entry) return;
    const members = new Set(own.members);
    const needed = quorumSize(members.size);
    for (const candidate of entry.candidates.values()) {
      const signers = [...candidate.signatures.keys()].filter((node) => members.has(node)).sort();
      if (members.size === 0 || signers.length < needed) continue;
      const certificate: Certificate = {
        checkpoint: candidate.checkpoint,
        signatures: signers.map((node) => ({ node, signature: candidate.signatures.get(node) as string })),
        members: [...members].sort(),
      };
      this.pending.delete(block);
      this.options.certified(certificate);
      if (checkpointHash(candidate.checkpoint) !== checkpointHash(own.checkpoint)) {
        this.options.diverged({ block, own: own.checkpoint, certificate });
      }
      return;
    }
  }
}

/** The vote's block when it is shaped like a vote for this subnet. */
function readVote(vote: CheckpointVote, subnetId: string): number | undefined {
  const checkpoint = vote?.checkpoint as Checkpoint | undefined;
  const signature = vote?.signature;
  if (typeof checkpoint !== 'object' || checkpoint === null || checkpoint.subnet !== subnetId) return undefined;
  if (typeof signature?.node !== 'string' || typeof signature.signature !== 'string') return undefined;
  return Number.isSafeInteger(checkpoint.block) && checkpoint.block > 0 ? checkpoint.block : undefined;
}
