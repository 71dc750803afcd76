import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign, verify } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { writeFileDurably } from './data-dir.ts';

export class KeyFileError extends Error {
  override name = 'KeyFileError';
}

/** An ed25519 signing identity kept in a file only its owner can read. */
export interface SigningKey {
  /** The public key, raw 32 bytes in unpadded base64url: how the registry names the key. */
  readonly id: string;
  sign(message: Uint8Array): Buffer;
}

/** Loads the key at `path`, or creates it (mode 0600) when there is none. */
export function loadOrCreateSigningKey(path: string): SigningKey {
  if (!existsSync(path)) {
    writeFileDurably(path, generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), 0o600);
  }
  return readSigningKey(path);
}

/** The key at `path`, which must exist and be private to its owner. */
export function readSigningKey(path: string): SigningKey {
  let pem: string;
  try {
    assertPrivate(path);
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof KeyFileError) throw error;
    throw new KeyFileError(`${path} is missing or unreadable`);
  }
  return signingKeyFromPem(pem, path);
}

/** The id of the key at `path`, which must exist. */
export function readSigningKeyId(path: string): string {
  return readSigningKey(path).id;
}

function assertPrivate(path: string): void {
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) throw new KeyFileError(`${path} is readable by others (mode ${mode.toString(8)}); run: chmod 600 ${path}`);
}

function signingKeyFromPem(pem: string, path: string): SigningKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    throw new KeyFileError(`${path} does not hold a PEM private key`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519')
    throw new KeyFileError(`${path} holds a ${privateKey.asymmetricKeyType} key, not ed25519`);
  const id = createPublicKey(privateKey).export({ format: 'jwk' }).x as string;
  return { id, sign: (message) => sign(null, message, privateKey) };
}

/**
 * True for the one spelling of a 32-byte key in unpadded base64url. Other spellings of the
 * same key decode alike; refusing them keeps one key from counting as two signers.
 */
export function isCanonicalKeyId(keyId: string): boolean {
  const bytes = Buffer.from(keyId, 'base64url');
  return bytes.length === 32 && bytes.toString('base64url') === keyId;
}

/**
 * Public keys already made from their ids: a replica verifies the same few members' signatures
 * on every block and vote, and making the key object costs about as much as the verification.
 */
const publicKeys = new Map<string, KeyObject>();
const KEPT_PUBLIC_KEYS = 1024;

function publicKeyOf(keyId: string): KeyObject {
  let key = publicKeys.get(keyId);
  if (!key) {
    key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: keyId }, format: 'jwk' });
    if (publicKeys.size >= KEPT_PUBLIC_KEYS) publicKeys.delete(publicKeys.keys().next().value as string);
    publicKeys.set(keyId, key);
  }
  return key;
}

/** Checks an ed25519 signature by the key named `keyId`; false for any malformed input. */
export function verifySignature(keyId: string, message: Uint8Array, signature: Uint8Array): boolean {
  if (!isCanonicalKeyId(keyId)) return false;
  try {
    return verify(null, message, publicKeyOf(keyId), signature);
  } catch {
    return false;
  }
}
