import { hash } from 'node:crypto';
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
const WORDS = LTHASH_BYTES / 4;

/** Where row writes report the elements they add to and remove from the state. */
export interface DigestSink {
  add(element: Uint8Array): void;
  remove(element: Uint8Array): void;
}

export class LtHash implements DigestSink {
  private readonly lanes: Uint16Array;
  /** The same lanes two to a word, which is how they are summed (see addLanes). */
  private readonly words: Uint32Array;

  constructor(state?: Uint8Array) {
    this.lanes = new Uint16Array(LANES);
    this.words = new Uint32Array(this.lanes.buffer);
    if (state) {
      if (state.byteLength !== LTHASH_BYTES) throw new RangeError(`an LtHash state is ${LTHASH_BYTES} bytes, not ${state.byteLength}`);
      new Uint8Array(this.lanes.buffer).set(state);
    }
  }

  add(element: Uint8Array): void {
    addLanes(this.words, expand(element));
  }

  remove(element: Uint8Array): void {
    subtractLanes(this.words, expand(element));
  }

  /** The full 2048-byte state, little-endian lanes, for persisting and resuming. */
  bytes(): Buffer {
    return Buffer.from(this.lanes.buffer.slice(0));
  }

  /** A 32-byte commitment to the state, as certified in checkpoints. */
  digest(): Buffer {
    return sha256(new Uint8Array(this.lanes.buffer, this.lanes.byteOffset, this.lanes.byteLength));
  }

  copyFrom(other: LtHash): void {
    this.lanes.set(other.lanes);
  }
}

/**
 * Lane-wise sums and differences modulo 2^16, two lanes to a 32-bit word: the low 15 bits of
 * each lane are summed with no carry out of the lane, and the lane's top bit is then set from
 * the operands' top bits. Twice as few steps as summing lanes one by one, with the same result.
 */
const LOW_BITS = 0x7fff7fff;
const TOP_BITS = 0x80008000;

function addLanes(words: Uint32Array, expansion: Uint32Array): void {
  for (let i = 0; i < WORDS; i++) {
    const x = words[i] as number;
    const y = expansion[i] as number;
    words[i] = ((x & LOW_BITS) + (y & LOW_BITS)) ^ ((x ^ y) & TOP_BITS);
  }
}

function subtractLanes(words: Uint32Array, expansion: Uint32Array): void {
  for (let i = 0; i < WORDS; i++) {
    const x = words[i] as number;
    const y = expansion[i] as number;
    // Each lane's top bit is lent to the subtraction, so no lane borrows from the next.
    words[i] = ((x | TOP_BITS) - (y & LOW_BITS)) ^ ((x ^ ~y) & TOP_BITS);
  }
}

/**
 * The element's 2048-byte expansion as 32-bit words of two little-endian lanes (the machine's
 * order, checked above). A row rewritten often (a counter, a room's head) is removed soon after
 * it was added, so the expansions of the last few small elements are kept: the remove then
 * costs no hash.
 */
function expand(element: Uint8Array): Uint32Array {
  const key =
    element.byteLength <= MAX_KEPT_ELEMENT
      ? Buffer.from(element.buffer, element.byteOffset, element.byteLength).toString('latin1')
      : undefined;
  const kept = key === undefined ? undefined : recentExpansions.get(key);
  if (kept) return kept;
  const bytes = hash('shake256', element, { outputLength: LTHASH_BYTES, outputEncoding: 'buffer' }) as Buffer;
  const expansion =
    bytes.byteOffset % 4 === 0 ? new Uint32Array(bytes.buffer, bytes.byteOffset, WORDS) : new Uint32Array(new Uint8Array(bytes).buffer);
  if (key !== undefined) {
    if (recentExpansions.size >= KEPT_EXPANSIONS) recentExpansions.delete(recentExpansions.keys().next().value as string);
    recentExpansions.set(key, expansion);
  }
  return expansion;
}

const MAX_KEPT_ELEMENT = 512;
const KEPT_EXPANSIONS = 64;
const recentExpansions = new Map<string, Uint32Array>();

/**
 * An LtHash whose changes since the last `commit()` can be undone, so a failed command's
 * writes leave the digest as they leave the tables. Undo is rare; it pays by rehashing.
 */
export class JournaledDigest implements DigestSink {
  readonly hash: LtHash;
  private readonly journal: { element: Uint8Array; added: boolean }[] = [];

  constructor(hash: LtHash) {
    this.hash = hash;
  }

  add(element: Uint8Array): void {
    this.hash.add(element);
    this.journal.push({ element, added: true });
  }

  remove(element: Uint8Array): void {
    this.hash.remove(element);
    this.journal.push({ element, added: false });
  }

  commit(): void {
    this.journal.length = 0;
  }

  rollback(): void {
    for (let i = this.journal.length - 1; i >= 0; i--) {
      const { element, added } = this.journal[i] as { element: Uint8Array; added: boolean };
      if (added) this.hash.remove(element);
      else this.hash.add(element);
    }
    this.journal.length = 0;
  }
}
