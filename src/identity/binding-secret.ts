import { createHmac, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readPrivateFile, writePrivateFile } from './private-file.ts';

/** The file, in the node's data folder, holding the key of the person hashes. */
export const BINDING_SECRET_FILE = 'identity.secret';

/**
 * The node's key for person hashes: 256 random bits, made at first start, mode 0600.
 * Whoever holds the log and the database without this file cannot test whether a known
 * subject has an account here.
 */
export function loadOrCreateBindingSecret(dataDir: string): Buffer {
  const path = join(dataDir, BINDING_SECRET_FILE);
  if (!existsSync(path)) writePrivateFile(path, `${randomBytes(32).toString('base64url')}\n`);
  return readBindingSecret(path);
}

/**
 * A person-hash key provisioned by the operators (--identity-secret-file): the same 256-bit
 * key, base64url, 0600, on every replica of the subnet, or the per-person limit would count
 * one person as several.
 */
export function readBindingSecret(path: string): Buffer {
  const secret = Buffer.from(readPrivateFile(path).trim(), 'base64url');
  if (secret.length !== 32) throw new Error(`${path} does not hold a 256-bit key (43 base64url characters)`);
  return secret;
}

/**
 * The only trace of a person Watan keeps: HMAC-SHA256 of the issuer and the subject the
 * issuer gave this relying party, under the node's secret. Same person, same issuer, same
 * hash; the subject itself is never stored.
 */
export function personHash(secret: Buffer, issuer: string, subject: string): string {
  return createHmac('sha256', secret).update(`${issuer}\n${subject}`, 'utf8').digest('hex');
}
