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
  /** checkpointHash(checkpoint), when the caller already has it. */
  hash?: string;
}

/** This replica's vote for a block it has just applied, with what its execution worked out. */
export interface AppliedVote {
  vote: CheckpointVote;
  /** checkpointHash(vote.checkpoint). */
  hash: string;
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
/** Own views of just-applied blocks kept in memory; an older block's view is read back when needed. */
const MAX_APPLIED_VIEWS = 64;

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
  /** The own views addApplied was given, until their block is certified. */
  private readonly appliedViews = new Map<number, OwnView>();
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
    this.count(block, hash, vote);
  }

  /**
   * Takes this replica's own vote for a block it has just applied. The executor signed it,
   * hashed its checkpoint and worked out its members a moment ago, so nothing is encoded,
   * hashed or read back again: on a node alone this is its certificate, every block.
   */
  addApplied({ vote, hash, members }: AppliedVote): void {
    const { block } = vote.checkpoint;
    if (this.options.isCertified(block)) return;
    this.appliedViews.set(block, { checkpoint: vote.checkpoint, members, hash });
    if (this.appliedViews.size > MAX_APPLIED_VIEWS) this.appliedViews.delete(this.appliedViews.keys().next().value as number);
    this.count(block, hash, vote);
  }

  /** This replica has applied `block`: votes that waited for it may now count. */
  applied(block: number): void {
    this.appliedBlock = Math.max(this.appliedBlock, block);
    if (this.pending.has(block)) this.tryCertify(block);
  }

  /** Counts a vote already known to be sound: a signer's first checkpoint at a block is the one it stands by. */
  private count(block: number, hash: string, vote: CheckpointVote): void {
    const { node, signature } = vote.signature;
    const entry = this.pendingAt(block);
    const earlier = entry.voted.get(node);
    if (earlier !== undefined && earlier !== hash) return;
    entry.voted.set(node, hash);
    const candidate = entry.candidates.get(hash) ?? { checkpoint: vote.checkpoint, signatures: new Map() };
    candidate.signatures.set(node, signature);
    entry.candidates.set(hash, candidate);
    this.tryCertify(block);
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
    const entry = this.pending.get(block);
    if (!entry) return;
    const own = this.appliedViews.get(block) ?? this.options.own(block);
    if (!own) return;
    const members = new Set(own.members);
    const needed = quorumSize(members.size);
    for (const [hash, candidate] of entry.candidates) {
      const signers = [...candidate.signatures.keys()].filter((node) => members.has(node)).sort();
      if (members.size === 0 || signers.length < needed) continue;
      const certificate: Certificate = {
        checkpoint: candidate.checkpoint,
        signatures: signers.map((node) => ({ node, signature: candidate.signatures.get(node) as string })),
        members: [...members].sort(),
      };
      this.pending.delete(block);
      this.appliedViews.delete(block);
      this.options.certified(certificate);
      if (hash !== (own.hash ?? checkpointHash(own.checkpoint))) {
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
