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

/** Where row writes report the elements they add to and remove from the state. */
export interface DigestSink {
  add(element: Uint8Array): void;
  remove(element: Uint8Array): void;
}

export class LtHash implements DigestSink {
  private readonly lanes: Uint16Array;
  /**
   * Small elements added (+1) or removed (-1) since the lanes were last read, by element. A row
   * rewritten several times between two reads (a counter, a room's head: every message of a
   * block rewrites both) nets out here, instead of each version being expanded, summed in and
   * summed out again. The rest is summed in whenever the state is read: the same sum, as lanes
   * add modulo 2^16 in any order.
   */
  private readonly pending = new Map<string, number>();

  constructor(state?: Uint8Array) {
    this.lanes = new Uint16Array(LANES);
    if (state) {
      if (state.byteLength !== LTHASH_BYTES) throw new RangeError(`an LtHash state is ${LTHASH_BYTES} bytes, not ${state.byteLength}`);
      new Uint8Array(this.lanes.buffer).set(state);
    }
  }

  add(element: Uint8Array): void {
    this.change(element, 1);
  }

  remove(element: Uint8Array): void {
    this.change(element, -1);
  }

  /** The full 2048-byte state, little-endian lanes, for persisting and resuming. */
  bytes(): Buffer {
    this.settle();
    return Buffer.from(this.lanes.buffer.slice(0));
  }

  /** A 32-byte commitment to the state, as certified in checkpoints. */
  digest(): Buffer {
    this.settle();
    return sha256(new Uint8Array(this.lanes.buffer, this.lanes.byteOffset, this.lanes.byteLength));
  }

  copyFrom(other: LtHash): void {
    other.settle();
    this.pending.clear();
    this.lanes.set(other.lanes);
  }

  private change(element: Uint8Array, sign: 1 | -1): void {
    const key = keyOf(element);
    if (key === undefined || (this.pending.size >= MAX_PENDING_ELEMENTS && !this.pending.has(key))) {
      sumInto(this.lanes, expand(element, key), sign);
      return;
    }
    const count = (this.pending.get(key) ?? 0) + sign;
    if (count === 0) this.pending.delete(key);
    else this.pending.set(key, count);
  }

  private settle(): void {
    // The key is the element's bytes as they were when written, whatever became of the caller's buffer.
    for (const [key, count] of this.pending) sumInto(this.lanes, expand(Buffer.from(key, 'latin1'), key), count);
    this.pending.clear();
  }
}

/** Adds `count` times the expansion to the lanes; the typed array keeps each lane modulo 2^16. */
function sumInto(lanes: Uint16Array, expansion: Uint16Array, count: number): void {
  if (count === 1) for (let i = 0; i < LANES; i++) lanes[i] = (lanes[i] as number) + (expansion[i] as number);
  else if (count === -1) for (let i = 0; i < LANES; i++) lanes[i] = (lanes[i] as number) - (expansion[i] as number);
  else for (let i = 0; i < LANES; i++) lanes[i] = (lanes[i] as number) + count * (expansion[i] as number);
}

/** A small element as a map key (one character a byte); undefined for a large one. */
function keyOf(element: Uint8Array): string | undefined {
  return element.byteLength <= MAX_KEPT_ELEMENT
    ? Buffer.from(element.buffer, element.byteOffset, element.byteLength).toString('latin1')
    : undefined;
}

/**
 * The element's 2048-byte expansion as little-endian lanes (the machine's order, checked
 * above). A row rewritten often (a counter, a room's head) is removed soon after it was added,
 * so the expansions of the last few small elements are kept: the remove then costs no hash.
 */
function expand(element: Uint8Array, key: string | undefined): Uint16Array {
  const kept = key === undefined ? undefined : recentExpansions.get(key);
  if (kept) return kept;
  const bytes = hash('shake256', element, { outputLength: LTHASH_BYTES, outputEncoding: 'buffer' }) as Buffer;
  const expansion =
    bytes.byteOffset % 2 === 0 ? new Uint16Array(bytes.buffer, bytes.byteOffset, LANES) : new Uint16Array(new Uint8Array(bytes).buffer);
  if (key !== undefined) {
    if (recentExpansions.size >= KEPT_EXPANSIONS) recentExpansions.delete(recentExpansions.keys().next().value as string);
    recentExpansions.set(key, expansion);
  }
  return expansion;
}

const MAX_KEPT_ELEMENT = 512;
const KEPT_EXPANSIONS = 64;
/** Small elements an LtHash holds back at most; past it a new one is summed in at once (a full scan, say). */
const MAX_PENDING_ELEMENTS = 256;
const recentExpansions = new Map<string, Uint16Array>();

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
