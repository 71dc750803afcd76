// Merkle tree hashing and proofs as specified by RFC 9162 §2.1 (identical to RFC 6962 §2.1),
// so that any Certificate Transparency-style client can check our logs without our code.
import { createHash } from 'node:crypto';

const HASH_BYTES = 32;
// Distinct prefixes stop a leaf from being passed off as an interior node (second-preimage attack).
const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

export class MerkleProofError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MerkleProofError';
  }
}

// Copy out of the Buffer so callers get a plain Uint8Array that compares and clones like one.
function sha256(...parts: Uint8Array[]): Uint8Array {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
}

export function leafHash(data: Uint8Array): Uint8Array {
  return sha256(LEAF_PREFIX, data);
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(NODE_PREFIX, left, right);
}

// Largest power of two strictly below n (n >= 2). Arithmetic rather than bit operators because
// JavaScript bit operators truncate to 32 bits and a log may outgrow that.
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function half(n: number): number {
  return Math.floor(n / 2);
}

function isPowerOfTwo(n: number): boolean {
  let x = n;
  while (x > 1 && x % 2 === 0) x /= 2;
  return x === 1;
}

// MTH(D[lo:hi]) for hi > lo. Recursing on index ranges keeps the whole tree O(n) hashes and
// O(log n) stack without copying the leaf array at every level.
function subtreeRoot(leaves: readonly Uint8Array[], lo: number, hi: number): Uint8Array {
  if (hi - lo > 1) {
    const mid = lo + splitPoint(hi - lo);
    return nodeHash(subtreeRoot(leaves, lo, mid), subtreeRoot(leaves, mid, hi));
  }
  const leaf = leaves[lo];
  // Callers validate ranges first, so reaching this means a bug here, not bad input.
  if (leaf === undefined) throw new RangeError(`internal error: no leaf hash at index ${lo}`);
  return new Uint8Array(leaf);
}

export function rootFromLeafHashes(leafHashes: readonly Uint8Array[]): Uint8Array {
  if (leafHashes.length === 0) return sha256();
  return subtreeRoot(leafHashes, 0, leafHashes.length);
}

export function inclusionProof(leafHashes: readonly Uint8Array[], index: number): Uint8Array[] {
  const n = leafHashes.length;
  if (!Number.isSafeInteger(index) || index < 0 || index >= n) {
    throw new MerkleProofError(
      n === 0
        ? `cannot prove leaf index ${index}: the tree is empty, so it has no leaves to prove`
        : `cannot prove leaf index ${index} in a tree of ${n} leaves: the index must be an integer from 0 to ${n - 1}`,
    );
  }
  // Walking down from the root yields the siblings top-first; RFC 9162 orders them leaf-first.
  const siblings: Uint8Array[] = [];
  let lo = 0;
  let hi = n;
  while (hi - lo > 1) {
    const mid = lo + splitPoint(hi - lo);
    if (index < mid) {
      siblings.push(subtreeRoot(leafHashes, mid, hi));
      hi = mid;
    } else {
      siblings.push(subtreeRoot(leafHashes, lo, mid));
      lo = mid;
    }
  }
  return siblings.reverse();
}

export function consistencyProof(leafHashes: readonly Uint8Array[], oldSize: number): Uint8Array[] {
  const n = leafHashes.length;
  // Size 0 is excluded because every tree extends the empty tree, so such a proof proves nothing;
  // RFC 9162 defines PROOF(m, D[n]) only for 0 < m, and verifiers (ours included) reject it.
  if (!Number.isSafeInteger(oldSize) || oldSize < 1 || oldSize > n) {
    throw new MerkleProofError(
      `cannot prove consistency from an old tree of ${oldSize} leaves to the current tree of ${n} leaves: ` +
        (n === 0 ? 'the current tree is empty' : `the old size must be an integer from 1 to ${n}`),
    );
  }
  // Iterative SUBPROOF(m, D[lo:hi], b): `complete` is b, false once we have entered a right
  // subtree, which is when the old tree's own subtree root must be included.
  const proof: Uint8Array[] = [];
  let lo = 0;
  let hi = n;
  let m = oldSize;
  let complete = true;
  while (m < hi - lo) {
    const k = splitPoint(hi - lo);
    if (m <= k) {
      proof.push(subtreeRoot(leafHashes, lo + k, hi));
      hi = lo + k;
    } else {
      proof.push(subtreeRoot(leafHashes, lo, lo + k));
      lo += k;
      m -= k;
      complete = false;
    }
  }
  if (!complete) proof.push(subtreeRoot(leafHashes, lo, hi));
  return proof.reverse();
}

function isHash(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length === HASH_BYTES;
}

function isHashList(value: unknown): value is readonly Uint8Array[] {
  return Array.isArray(value) && value.every(isHash);
}

function isTreeIndex(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// Input checks come first so that untrusted proofs from the network can never make us throw.
// The loop stops as soon as sn reaches 0, so an over-long proof costs at most ~53 hashes.
export function verifyInclusion(
  leafHash: Uint8Array,
  index: number,
  treeSize: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!isTreeIndex(index) || !isTreeIndex(treeSize) || index >= treeSize) return false;
  if (!isHash(leafHash) || !isHash(root) || !isHashList(proof)) return false;
  let fn = index;
  let sn = treeSize - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && bytesEqual(r, root);
}

// Equal sizes are accepted with an empty proof and identical roots, which RFC 9162 leaves to the
// caller; an old size of 0 is rejected because consistency with the empty tree proves nothing.
export function verifyConsistency(
  oldSize: number,
  newSize: number,
  oldRoot: Uint8Array,
  newRoot: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  if (!isTreeIndex(oldSize) || !isTreeIndex(newSize) || oldSize < 1 || oldSize > newSize) return false;
  if (!isHash(oldRoot) || !isHash(newRoot) || !isHashList(proof)) return false;
  if (oldSize === newSize) return proof.length === 0 && bytesEqual(oldRoot, newRoot);
  if (proof.length === 0) return false;
  // A power-of-two old tree is itself a complete subtree of the new one, so the proof omits it.
  const [seed, ...path] = isPowerOfTwo(oldSize) ? [oldRoot, ...proof] : proof;
  if (seed === undefined) return false;
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (fn % 2 === 1) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = seed;
  let sr = seed;
  for (const c of path) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && bytesEqual(fr, oldRoot) && bytesEqual(sr, newRoot);
}
