import { createHash, createPrivateKey, createPublicKey, type JsonWebKey, randomBytes, sign, verify } from 'node:crypto';

/**
 * The verified-person credential: an SD-JWT VC (IETF draft-ietf-oauth-sd-jwt-vc) whose
 * claims are each selectively disclosable, so a holder shows Watan only what its policy
 * asks: `is_citizen`, and `age_equal_or_over.<N>` for the configured minimum age N (the
 * shape of the EU PID's age claims). `sub` is the issuer's pairwise subject for Watan.
 */
export const VERIFIED_PERSON_VCT = 'urn:pk:gov:watan:vct:verified-person:1';
/** The thresholds the development issuer states; a deployment asks for one of them. */
export const AGE_THRESHOLDS = [13, 16, 18, 21] as const;

/** SHA-256 as the SD-JWT libraries call it (`sha-256` is the only algorithm used here). */
export function sdJwtHasher(data: string | ArrayBuffer, algorithm: string): Uint8Array {
  if (algorithm.toLowerCase() !== 'sha-256') throw new Error(`unsupported SD-JWT hash algorithm ${algorithm}`);
  return createHash('sha256')
    .update(typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data))
    .digest();
}

export function sdJwtSalt(length: number): string {
  return randomBytes(length).toString('base64url');
}

/** ES256 over the JWS signing input, raw r||s as JWS wants it. */
export function es256Signer(privateJwk: JsonWebKey): (data: string) => string {
  const key = createPrivateKey({ key: privateJwk as never, format: 'jwk' });
  return (data) => sign('sha256', Buffer.from(data, 'utf8'), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url');
}

export function es256Verifier(publicJwk: JsonWebKey): (data: string, signature: string) => boolean {
  const key = createPublicKey({ key: publicJwk as never, format: 'jwk' });
  return (data, signature) => {
    try {
      return verify('sha256', Buffer.from(data, 'utf8'), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
    } catch {
      return false;
    }
  };
}

/** The public half of a JWK: what an issuer publishes and a verifier is configured with. */
export function publicJwk(jwk: JsonWebKey & { kid?: string }): JsonWebKey & { kid?: string } {
  const { kty, crv, x, y, n, e, kid, alg } = jwk as Record<string, string | undefined>;
  return Object.fromEntries(Object.entries({ kty, crv, x, y, n, e, kid, alg }).filter(([, value]) => value !== undefined));
}
