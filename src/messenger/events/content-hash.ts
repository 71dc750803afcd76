/**
 * The content hash of an event (server-server API §Calculating the content hash for an
 * event): it covers the complete, unredacted event. Remove `unsigned`, `signatures` and
 * `hashes`, encode the rest as canonical JSON, and hash it with SHA-256. The hash travels
 * as unpadded Base64 in `hashes.sha256`.
 *
 * Every key present is hashed, including keys the Pdu type does not name (an `origin` sent
 * by an older server, say): the hash is of the event as it was sent.
 */
import { hash, timingSafeEqual } from 'node:crypto';
import { canonicalJsonBytes } from '../../subnet/index.ts';
import { Base64Error, decodeBase64, encodeUnpaddedBase64 } from './base64.ts';
import type { EventObject } from './pdu.ts';

/** Keys the content hash leaves out: they change in transit or carry the hash itself. */
const NOT_HASHED = new Set(['unsigned', 'signatures', 'hashes']);

/** The SHA-256 content hash, as unpadded Base64. Throws CanonicalJsonError for non-JSON values. */
export function contentHash(event: EventObject): string {
  return encodeUnpaddedBase64(contentHashBytes(event));
}

/** A copy of the event with `hashes.sha256` set to its content hash (other hashes kept). */
export function withContentHash<E extends EventObject>(event: E): E & { hashes: { sha256: string } } {
  const hashes = isObject(event.hashes) ? event.hashes : {};
  return { ...event, hashes: { ...hashes, sha256: contentHash(event) } };
}

/**
 * Whether `hashes.sha256` decodes to the event's content hash. False when it is missing or
 * not Base64: per the specification the receiver then keeps only the redacted event.
 */
export function verifyContentHash(event: EventObject): boolean {
  const claimed = isObject(event.hashes) ? event.hashes.sha256 : undefined;
  if (typeof claimed !== 'string') return false;
  let claimedBytes: Buffer;
  try {
    claimedBytes = decodeBase64(claimed);
  } catch (error) {
    if (error instanceof Base64Error) return false;
    throw error;
  }
  const actual = contentHashBytes(event);
  return claimedBytes.length === actual.length && timingSafeEqual(claimedBytes, actual);
}

function contentHashBytes(event: EventObject): Buffer {
  // fromEntries defines properties, so a key named "__proto__" stays a key.
  const hashed = Object.fromEntries(Object.entries(event).filter(([key]) => !NOT_HASHED.has(key)));
  return hash('sha256', canonicalJsonBytes(hashed), 'buffer');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
