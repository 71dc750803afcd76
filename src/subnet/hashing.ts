import { hash } from 'node:crypto';

/** SHA-256 over the concatenation of the given parts (one-shot: no hash object per call). */
export function sha256(...parts: Uint8Array[]): Buffer {
  return hash('sha256', parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts), 'buffer');
}

/** An unsigned 64-bit big-endian encoding, for binding heights into hashes. */
export function uint64(value: number): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(BigInt(value));
  return bytes;
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

export function fromHex(hex: string): Buffer {
  return Buffer.from(hex, 'hex');
}
