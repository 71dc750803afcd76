import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Checkpoint, CheckpointSignature } from '../checkpoint.ts';
import { writeFileDurably } from '../data-dir.ts';
import type { Divergence } from './collector.ts';

/** This replica's state differs from what a quorum of the subnet certified: it must not serve. */
export class DivergenceError extends Error {
  override name = 'DivergenceError';
  readonly block: number;
  readonly evidence: string;

  constructor(block: number, evidence: string) {
    super(
      `this replica's state at block ${block} differs from the one a quorum of the subnet certified; it stopped serving. ` +
        `Both signed checkpoints are in ${evidence}; rebuild this replica (watan audit --data names what differs)`,
    );
    this.block = block;
    this.evidence = evidence;
  }
}

/**
 * Keeps the proof of a divergence on disk, readable by the operator only: the replica's own
 * signed checkpoint and the quorum certificate of another, for the same block.
 */
export function keepDivergenceEvidence(
  dataDir: string,
  divergence: Divergence,
  ownSignature: CheckpointSignature | undefined,
): DivergenceError {
  const folder = join(dataDir, 'evidence');
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  const path = join(folder, `divergence-block-${divergence.block}.json`);
  const own: { checkpoint: Checkpoint; signatures: CheckpointSignature[] } = {
    checkpoint: divergence.own,
    signatures: ownSignature ? [ownSignature] : [],
  };
  writeFileDurably(path, `${JSON.stringify({ block: divergence.block, own, quorum: divergence.certificate }, null, 2)}\n`, 0o600);
  return new DivergenceError(divergence.block, path);
}
