import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Sealing by a secret the client holds: AES-256-GCM under a key derived (HKDF-SHA256) from
 * the secret and what the value is (`kind`), so a value sealed for one purpose never opens
 * as another. Sound only for secrets of at least 128 random bits, which every caller's are.
 */
export function sealWithSecret(secret: string, kind: string, plain: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keyFor(secret, `watan seal ${kind}`), iv);
  cipher.setAAD(Buffer.from(kind));
  return Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}

/** The plain bytes, or undefined for bytes this secret did not seal as `kind` (or that were altered). */
export function openWithSecret(secret: string, kind: string, sealed: Buffer): Buffer | undefined {
  if (sealed.length < IV_BYTES + TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyFor(secret, `watan seal ${kind}`), sealed.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(kind));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch {
    return undefined;
  }
}

/** A name for the secret that reveals nothing of it: where its sealed value is looked up. */
export function lookupNameOf(secret: string, kind: string): string {
  return keyFor(secret, `watan lookup ${kind}`).toString('base64url');
}

function keyFor(secret: string, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), info, 32));
}
