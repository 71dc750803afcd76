import { canonicalJsonBytes, verifySignature } from '../../subnet/index.ts';
import { Base64Error, decodeBase64, encodeUnpaddedBase64, encodeUnpaddedBase64Url, type JsonObject } from '../events/index.ts';

/**
 * Signed JSON as the appendix defines it ("Signing JSON"): the signature covers the canonical
 * JSON of the object without its `signatures` and `unsigned` members. Verifying an ed25519
 * signature is deterministic, so these checks run in the executor (DESIGN.md §3): a faulty
 * ingress cannot let a forged key through.
 */

/** The 32-byte ed25519 public key in unpadded standard Base64, or undefined if `text` is not one (in its one spelling). */
export function ed25519PublicKey(text: unknown): Buffer | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    const bytes = decodeBase64(text);
    return bytes.length === 32 && encodeUnpaddedBase64(bytes) === text ? bytes : undefined;
  } catch (error) {
    if (error instanceof Base64Error) return undefined;
    throw error;
  }
}

/** The bytes a signature on `object` covers. */
export function signedBytes(object: JsonObject): Buffer {
  const { signatures: _signatures, unsigned: _unsigned, ...signed } = object;
  return canonicalJsonBytes(signed);
}

/**
 * True when `object.signatures[userId][keyId]` is a valid ed25519 signature by `publicKey`
 * (unpadded Base64) over the object. False for anything malformed: a missing signature, a
 * key or signature of the wrong length, or content canonical JSON cannot hold.
 */
export function hasValidSignature(object: JsonObject, userId: string, keyId: string, publicKey: string): boolean {
  const key = ed25519PublicKey(publicKey);
  const signature = signatureOf(object, userId, keyId);
  if (!key || signature === undefined) return false;
  let message: Buffer;
  try {
    message = signedBytes(object);
  } catch {
    return false;
  }
  return verifySignature(encodeUnpaddedBase64Url(key), message, signature);
}

function signatureOf(object: JsonObject, userId: string, keyId: string): Buffer | undefined {
  const signatures = object.signatures;
  if (signatures === null || typeof signatures !== 'object' || Array.isArray(signatures)) return undefined;
  const byUser = (signatures as JsonObject)[userId];
  if (byUser === null || typeof byUser !== 'object' || Array.isArray(byUser)) return undefined;
  const text = (byUser as JsonObject)[keyId];
  if (typeof text !== 'string') return undefined;
  try {
    const bytes = decodeBase64(text);
    return bytes.length === 64 ? bytes : undefined;
  } catch (error) {
    if (error instanceof Base64Error) return undefined;
    throw error;
  }
}
