import type { Checkpoint, CheckpointSignature } from '../checkpoint.ts';

/** One replica's signature over the checkpoint it reached after a block. */
export interface CheckpointVote {
  checkpoint: Checkpoint;
  signature: CheckpointSignature;
}

/**
 * How replicas exchange checkpoint signatures so that each can merge a quorum of them into a
 * certificate. The embedded node needs no exchange (its one signature is the quorum of one);
 * a cluster publishes votes through etcd or directly between replicas. Votes are untrusted
 * input: whoever merges them verifies every signature against the registry's members.
 */
export interface CertificationChannel {
  /** Sends this replica's vote to the others (and, harmlessly, to itself). */
  publish(vote: CheckpointVote): Promise<void>;
  /** Calls `listener` with every vote any replica publishes: in any order, possibly repeated. */
  subscribe(listener: (vote: CheckpointVote) => void): () => void;
}
