import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';

/** SHA-256 as the SD-JWT libraries ask for it. */
export function hasher(data: string | ArrayBuffer): Uint8Array {
  return createHash('sha256')
    .update(typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data))
    .digest();
}

/** The holder's side: a presentation of `credential` disclosing only what `frame` names. */
export function present(credential: string, frame: Record<string, unknown>): Promise<string> {
  return new SDJwtVcInstance({ hasher, hashAlg: 'sha-256' }).present(credential, frame as never);
}

/** What Watan's policy needs and nothing more: citizenship and the 18+ threshold. */
export const POLICY_FRAME = { is_citizen: true, age_equal_or_over: { '18': true } };

/** Asks the development provider for a person's credential (it answers {credential}). */
export async function credentialFor(issuer: string, person: { cnic: string; pin: string }, lifetimeSeconds?: number): Promise<string> {
  const response = await fetch(`${issuer}/credentials/verified-person`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...person, ...(lifetimeSeconds !== undefined ? { lifetime_seconds: lifetimeSeconds } : {}) }),
  });
  const body = (await response.json()) as { credential?: string };
  if (!body.credential) throw new Error(`the provider issued no credential: ${JSON.stringify(body)}`);
  return body.credential;
}

/** A credential of the same shape from an issuer Watan was not configured to trust (its own fresh key). */
export function credentialFromElsewhere(issuer: string): Promise<string> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signer = (data: string) => sign('sha256', Buffer.from(data), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
  const instance = new SDJwtVcInstance({
    signer,
    signAlg: 'ES256',
    hasher,
    hashAlg: 'sha-256',
    saltGenerator: (length) => randomBytes(length).toString('base64url'),
  });
  const now = Math.floor(Date.now() / 1000);
  return instance.issue(
    {
      iss: issuer,
      sub: 'someone-elsewhere',
      iat: now,
      exp: now + 3600,
      vct: 'urn:pk:gov:watan:vct:verified-person:1',
      is_citizen: true,
      age_equal_or_over: { '18': true },
    } as never,
    { _sd: ['is_citizen'], age_equal_or_over: { _sd: ['18'] } } as never,
    { header: { kid: 'elsewhere' } as never },
  );
}

/** Registers with a credential presentation; gives the status and body. */
export async function registerWith(baseUrl: string, credential: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${baseUrl}/_watan/v1/identity/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ credential }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** A verified-person credential signed by `key` (a test issuer the node is configured to trust) with `claims` over the usual ones. */
export function credentialSignedBy(key: KeyObject, kid: string, claims: Record<string, unknown>): Promise<string> {
  const signer = (data: string) => sign('sha256', Buffer.from(data), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url');
  const instance = new SDJwtVcInstance({
    signer,
    signAlg: 'ES256',
    hasher,
    hashAlg: 'sha-256',
    saltGenerator: (length) => randomBytes(length).toString('base64url'),
  });
  const now = Math.floor(Date.now() / 1000);
  return instance.issue(
    {
      sub: `subject-${randomBytes(8).toString('hex')}`,
      iat: now,
      exp: now + 3600,
      vct: 'urn:pk:gov:watan:vct:verified-person:1',
      is_citizen: true,
      age_equal_or_over: { '18': true },
      ...claims,
    } as never,
    { _sd: ['is_citizen'], age_equal_or_over: { _sd: ['18'] } } as never,
    { header: { kid } as never },
  );
}
