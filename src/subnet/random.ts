import { sha256, uint64 } from './hashing.ts';

/**
 * The executor's only source of randomness: SHA-256 in counter mode, seeded from the log
 * position and the previous state digest, so every replica draws the same values. Anyone
 * holding the log can predict it — it makes identifiers, never secrets.
 */
export class DeterministicRandom {
  private readonly seed: Buffer;
  private counter = 0;
  private pool = Buffer.alloc(0);

  constructor(height: number, previousDigest: Uint8Array) {
    this.seed = sha256(Buffer.from('watan/random/v1'), uint64(height), previousDigest);
  }

  bytes(length: number): Buffer {
    while (this.pool.length < length) {
      this.pool = Buffer.concat([this.pool, sha256(this.seed, uint64(this.counter++))]);
    }
    const out = this.pool.subarray(0, length);
    this.pool = this.pool.subarray(length);
    return Buffer.from(out);
  }

  /** A uniform integer in [0, bound), without modulo bias. */
  int(bound: number): number {
    if (!Number.isSafeInteger(bound) || bound <= 0 || bound > 2 ** 32) throw new RangeError('bound must be an integer in 1..2^32');
    const limit = 2 ** 32 - (2 ** 32 % bound);
    for (;;) {
      const value = this.bytes(4).readUInt32BE(0);
      if (value < limit) return value % bound;
    }
  }

  /** A string of `length` characters drawn uniformly from `alphabet`. */
  string(length: number, alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[this.int(alphabet.length)];
    return out;
  }
}
