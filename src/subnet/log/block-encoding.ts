import { decodeCommand } from '../command.ts';
import type { LogEntry } from './command-log.ts';

const HASH_BYTES = 32;

/**
 * A block's entries as stored in one row: for each entry, a 4-byte length, the command's
 * canonical bytes and its 32-byte chain hash. One row per block keeps an append to one
 * B-tree insert however many commands the block holds.
 */
export function encodeBlockEntries(entries: readonly Pick<LogEntry, 'bytes' | 'hash'>[]): Buffer {
  let size = 0;
  for (const entry of entries) size += 4 + entry.bytes.length + HASH_BYTES;
  const out = Buffer.allocUnsafe(size);
  let offset = 0;
  for (const { bytes, hash } of entries) {
    offset = out.writeUInt32BE(bytes.length, offset);
    offset += bytes.copy(out, offset);
    offset += hash.copy(out, offset);
  }
  return out;
}

export interface StoredEntry {
  bytes: Buffer;
  hash: Buffer;
}

/** Splits a block row back into entries; throws on a row that is cut short or overlong. */
export function splitBlockEntries(blob: Buffer): StoredEntry[] {
  const entries: StoredEntry[] = [];
  let offset = 0;
  while (offset < blob.length) {
    if (offset + 4 > blob.length) throw new RangeError('block row ends inside an entry length');
    const length = blob.readUInt32BE(offset);
    const end = offset + 4 + length + HASH_BYTES;
    if (end > blob.length) throw new RangeError('block row ends inside an entry');
    entries.push({ bytes: blob.subarray(offset + 4, offset + 4 + length), hash: blob.subarray(offset + 4 + length, end) });
    offset = end;
  }
  return entries;
}

export function decodeBlockEntries(block: number, firstHeight: number, blob: Buffer): LogEntry[] {
  return splitBlockEntries(blob).map(({ bytes, hash }, i) => ({
    height: firstHeight + i,
    block,
    command: decodeCommand(bytes),
    bytes,
    hash,
  }));
}
