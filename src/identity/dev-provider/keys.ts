import { generateKeyPairSync, type JsonWebKey, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { readPrivateFile, writePrivateFile } from '../private-file.ts';

/** The development provider's secrets, kept in its data folder (0600) so tokens and subjects survive restarts. */
export interface ProviderKeys {
  /** RS256 key that signs ID tokens (private JWK). */
  idToken: JsonWebKey & { kid: string };
  /** ES256 key that signs SD-JWT verifiable credentials (private JWK). */
  credential: JsonWebKey & { kid: string };
  /** Signs the provider's cookies. */
  cookie: string;
  /** Key of the pairwise subjects: same person and client, same subject; across clients, unlinkable. */
  pairwise: string;
}

export const KEYS_FILE = 'provider-keys.json';
export const CLIENT_SECRET_FILE = 'client-secret';

export function loadOrCreateProviderKeys(dir: string): ProviderKeys {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, KEYS_FILE);
  if (!existsSync(path)) {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
    const keys: ProviderKeys = {
      idToken: { ...rsa, kid: randomBytes(8).toString('hex'), alg: 'RS256', use: 'sig' },
      credential: { ...ec, kid: randomBytes(8).toString('hex'), alg: 'ES256', use: 'sig' },
      cookie: randomBytes(32).toString('base64url'),
      pairwise: randomBytes(32).toString('base64url'),
    };
    writePrivateFile(path, `${JSON.stringify(keys, null, 2)}\n`);
  }
  return JSON.parse(readPrivateFile(path)) as ProviderKeys;
}

/** The secret of the provider's client: read from `file`, or made there (0600) when absent. */
export function loadOrCreateClientSecret(file: string): string {
  if (!existsSync(file)) writePrivateFile(file, `${randomBytes(32).toString('base64url')}\n`);
  return readPrivateFile(file).trim();
}
