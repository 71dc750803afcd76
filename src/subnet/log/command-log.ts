import type { Command } from '../command.ts';
import { sha256, uint64 } from '../hashing.ts';
import type { BlockProposal } from './block-proposal.ts';

/** One command at its place in the subnet's total order. */
export interface LogEntry {
  /** 1-based position of the command in the whole log. */
  height: number;
  /** The block the command was ordered in; blocks are the unit of execution and certification. */
  block: number;
  command: Command;
  /** The command's canonical bytes, exactly as ordered and hashed. */
  bytes: Buffer;
  /** Chain hash: commits to the previous entry's hash, so history cannot be rewritten silently. */
  hash: Buffer;
}

export interface LogBlock {
  block: number;
  entries: LogEntry[];
  /** Who proposed the block, for a cluster log; the executor runs it only if a member signed it. */
  proposal?: BlockProposal;
}

export interface AppendReceipt {
  id: string;
  height: number;
  block: number;
}

export interface LogHead {
  height: number;
  block: number;
  hash: Buffer;
}

export interface ChainBreak {
  height: number;
  message: string;
}

/**
 * The ordered log every replica executes. The embedded backend is a SQLite file; the cluster
 * backend (etcd) gives the same contract: blocks in one total order, identical on every
 * replica, with idempotent appends.
 */
export interface CommandLog {
  readonly subnetId: string;
  /**
   * Orders the commands durably; resolves once they survive a crash. The log does not
   * deduplicate: an id ordered twice runs once, because the executor skips the repeat.
   */
  append(commands: Command[]): Promise<AppendReceipt[]>;
  /** Whole blocks holding entries above `afterHeight`, in order, at most `maxBlocks`. */
  readFrom(afterHeight: number, maxBlocks: number): Promise<LogBlock[]>;
  head(): LogHead;
  /** The chain hash of the entry at `height` (the genesis hash at 0), or undefined past the head. */
  hashAt(height: number): Buffer | undefined;
  /** Calls `listener` whenever new blocks may be read; returns an unsubscribe function. */
  watch(listener: () => void): () => void;
  /** Recomputes the hash chain from the start; the first break, or null when intact. */
  verifyChain(): ChainBreak | null;
  close(): void;
}

export class LogError extends Error {
  override name = 'LogError';
}

/** The hash the first entry chains from: distinct per subnet, so logs cannot be swapped. */
export function genesisHash(subnetId: string): Buffer {
  return sha256(Buffer.from(`watan/log/genesis/${subnetId}`, 'utf8'));
}

export function chainHash(previous: Uint8Array, height: number, block: number, commandBytes: Uint8Array): Buffer {
  return sha256(previous, uint64(height), uint64(block), commandBytes);
}
