import { createHash } from 'node:crypto';
import { endianness } from 'node:os';
import { sha256 } from './hashing.ts';

// Lanes are read and written in the machine's byte order; the persisted and certified form
// is little-endian, so refuse to run where the two differ rather than diverge silently.
if (endianness() !== 'LE') throw new Error('Watan needs a little-endian machine (x86-64 or arm64)');

/**
 * LtHash16 (Bellare–Micciancio; Lewi et al., "Securing Update Propagation with Homomorphic
 * Hashing", 2019): a set's digest is the lane-wise sum, modulo 2^16, of a 2048-byte
 * expansion of each element. Adding and removing an element are O(1) and commute, so every
 * replica reaches the same digest whatever order its rows were written in, and a full scan
 * reproduces it.
 */
export const LTHASH_BYTES = 2048;
const LANES = LTHASH_BYTES / 2;

export class LtHash {
  private readonly lanes: Uint16Array;

  constructor(state?: Uint8Array) {
    this.lanes = new Uint16Array(LANES);
    if (state) {
      if (state.byteLength !== LTHASH_BYTES) throw new RangeError(`an LtHash state is ${LTHASH_BYTES} bytes, not ${state.byteLength}`);
      new Uint8Array(this.lanes.buffer).set(state);
    }
  }

  add(element: Uint8Array): void {
    const expanded = expand(element);
    for (let i = 0; i < LANES; i++) this.lanes[i] = ((this.lanes[i] as number) + (expanded[i] as number)) & 0xffff;
  }

  remove(element: Uint8Array): void {
    const expanded = expand(element);
    for (let i = 0; i < LANES; i++) this.lanes[i] = ((this.lanes[i] as number) - (expanded[i] as number)) & 0xffff;
  }

  /** The full 2048-byte state, little-endian lanes, for persisting and resuming. */
  bytes(): Buffer {
    return Buffer.from(this.lanes.buffer.slice(0));
  }

  /** A 32-byte commitment to the state, as certified in checkpoints. */
  digest(): Buffer {
    return sha256(this.bytes());
  }

  clone(): LtHash {
    return new LtHash(this.bytes());
  }

  copyFrom(other: LtHash): void {
    this.lanes.set(other.lanes);
  }

  equals(other: LtHash): boolean {
    return this.lanes.every((lane, i) => lane === other.lanes[i]);
  }
}

function expand(element: Uint8Array): Uint16Array {
  const bytes = createHash('shake256', { outputLength: LTHASH_BYTES }).update(element).digest();
  // The copy gives the lanes an aligned buffer of their own.
  return new Uint16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + LTHASH_BYTES));
}
