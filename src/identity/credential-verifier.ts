import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { es256Verifier, sdJwtHasher, VERIFIED_PERSON_VCT } from './credential-format.ts';

/** One of an issuer's public keys, checked and made ready when the configuration is read. */
export interface TrustedKey {
  kid?: string;
  verify: (data: string, signature: string) => boolean;
}

/** An issuer whose credentials Watan accepts, with its public keys: configuration, never learned from a credential. */
export interface TrustedIssuer {
  issuer: string;
  keys: TrustedKey[];
  /**
   * The `aud` its credentials must carry to register here: Watan's client id at that issuer.
   * Subjects are pairwise per relying party, so a credential issued for another service names
   * the same person by another subject; accepting it would count them as someone else.
   */
  audience: string;
}

/** A configured issuer key that cannot verify ES256: the configuration is wrong, not a credential. */
export class TrustedKeyError extends Error {
  override name = 'TrustedKeyError';
}

/**
 * An issuer's key from configuration, checked once: an EC P-256 public JWK (ES256 is the only
 * algorithm accepted), never a private key. Its verifier is built here, so a bad key stops the
 * node at start instead of failing every registration.
 */
export function trustedKeyOf(jwk: unknown): TrustedKey {
  if (jwk === null || typeof jwk !== 'object' || Array.isArray(jwk)) throw new TrustedKeyError('is not a JWK (a JSON object)');
  const { kty, crv, x, y, d, kid } = jwk as Record<string, unknown>;
  if (d !== undefined) throw new TrustedKeyError('is a private key (it has "d"); list only the issuer\'s public keys');
  if (kty !== 'EC' || crv !== 'P-256')
    throw new TrustedKeyError(`is kty ${String(kty)} crv ${String(crv)}; only EC P-256 public keys (ES256) are accepted`);
  if (typeof x !== 'string' || typeof y !== 'string') throw new TrustedKeyError('lacks its x and y coordinates');
  if (kid !== undefined && typeof kid !== 'string') throw new TrustedKeyError('has a kid that is not a string');
  let verify: TrustedKey['verify'];
  try {
    verify = es256Verifier({ kty, crv, x, y });
  } catch (error) {
    throw new TrustedKeyError(`is not a valid P-256 public key (${(error as Error).message})`);
  }
  return { ...(kid !== undefined ? { kid } : {}), verify };
}

/** A refusal with the Matrix error code it answers as. */
export class CredentialError extends Error {
  override name = 'CredentialError';
  readonly errcode: 'M_FORBIDDEN' | 'M_INVALID_PARAM';

  constructor(errcode: 'M_FORBIDDEN' | 'M_INVALID_PARAM', message: string) {
    super(message);
    this.errcode = errcode;
  }
}

/** What a verified credential proves, once the policy's claims are checked: held in memory only. */
export interface CredentialHolder {
  issuer: string;
  subject: string;
  organisation?: unknown;
}

/**
 * Verifies an SD-JWT VC presentation: a trusted issuer's signature (ES256) over the issued
 * JWT, each presented disclosure's digest inside it, expiry, the verified-person type, the
 * audience (issued for Watan, whose pairwise subject it carries), and the disclosures the policy needs (`is_citizen`, `age_equal_or_over.<minimumAge>`).
 */
export async function verifyPresentation(
  presentation: string,
  trusted: readonly TrustedIssuer[],
  policy: { minimumAge: number },
  now: Date,
): Promise<CredentialHolder> {
  const { header, payload } = unverifiedParts(presentation);
  const issuer = trusted.find((candidate) => candidate.issuer === payload.iss);
  if (!issuer) throw new CredentialError('M_FORBIDDEN', `credentials from issuer ${String(payload.iss)} are not accepted here`);
  const key = issuer.keys.find((candidate) => header.kid === undefined || candidate.kid === header.kid);
  if (!key)
    throw new CredentialError(
      'M_FORBIDDEN',
      `the credential names key ${String(header.kid)}, which its issuer's trusted keys do not include`,
    );
  if (header.alg !== 'ES256')
    throw new CredentialError('M_FORBIDDEN', `credentials signed with ${String(header.alg)} are not accepted; ES256 is`);
  const instance = new SDJwtVcInstance({
    verifier: key.verify,
    hasher: sdJwtHasher,
    hashAlg: 'sha-256',
    // The library would fetch any URL a credential names (its status list, its type metadata):
    // a request to wherever an issuer-signed claim points. Watan makes none.
    statusListFetcher: refuseStatusList,
    vctFetcher: refuseTypeMetadata,
  });
  let claims: Record<string, unknown>;
  try {
    const result = await instance.verify(presentation, { currentDate: Math.floor(now.getTime() / 1000) });
    claims = result.payload as Record<string, unknown>;
  } catch (error) {
    throw refusalOf(error as Error);
  }
  // The library sets aside a disclosure whose digest the issuer did not sign; a presentation
  // carrying one has been altered, and saying so is clearer than "not disclosed".
  if (!everyDisclosureSigned(presentation)) throw altered();
  if (claims.vct !== VERIFIED_PERSON_VCT)
    throw new CredentialError('M_FORBIDDEN', `this is a ${String(claims.vct)} credential; registration takes ${VERIFIED_PERSON_VCT}`);
  if (!issuedFor(claims.aud, issuer.audience))
    throw new CredentialError(
      'M_FORBIDDEN',
      `the credential was issued for ${claims.aud === undefined ? 'no named audience' : `another service (${JSON.stringify(claims.aud)})`}; ask the issuer for a credential for ${issuer.audience}`,
    );
  if (typeof claims.exp !== 'number')
    throw new CredentialError('M_FORBIDDEN', 'the credential has no expiry (exp); ask the issuer for a current one');
  if (typeof claims.sub !== 'string' || claims.sub.length === 0)
    throw new CredentialError('M_FORBIDDEN', 'the credential names no subject (sub) to bind the account to');
  if (claims.is_citizen === undefined) throw missingDisclosure('is_citizen');
  if (claims.is_citizen !== true) throw new CredentialError('M_FORBIDDEN', 'the credential does not state that its holder is a citizen');
  if (policy.minimumAge > 0) {
    const ages = claims.age_equal_or_over as Record<string, unknown> | undefined;
    const meets = ages?.[String(policy.minimumAge)];
    if (meets === undefined) throw missingDisclosure(`age_equal_or_over.${policy.minimumAge}`);
    if (meets !== true) throw new CredentialError('M_FORBIDDEN', `accounts are for people aged ${policy.minimumAge} or over`);
  }
  return {
    issuer: issuer.issuer,
    subject: claims.sub,
    ...(claims.organisation !== undefined ? { organisation: claims.organisation } : {}),
  };
}

/** JWT `aud` (RFC 7519 §4.1.3): one string, or an array of them. */
function issuedFor(aud: unknown, audience: string): boolean {
  return aud === audience || (Array.isArray(aud) && aud.includes(audience));
}

function missingDisclosure(claim: string): CredentialError {
  return new CredentialError(
    'M_FORBIDDEN',
    `the presentation does not disclose ${claim}, which registration needs; present the credential with that disclosure`,
  );
}

/** Raised instead of fetching a status list: checking revocation by status list is not supported yet. */
class NoFetching extends Error {
  override name = 'NoFetching';
}

async function refuseStatusList(): Promise<string> {
  throw new NoFetching(
    'credentials with a status list (status.status_list) are not supported yet; ask the issuer for a credential without one',
  );
}

async function refuseTypeMetadata(): Promise<undefined> {
  throw new NoFetching('credential type metadata is not fetched here');
}

function refusalOf(error: Error): CredentialError {
  if (error instanceof NoFetching) return new CredentialError('M_FORBIDDEN', error.message);
  const message = error.message;
  if (/expired/i.test(message)) return new CredentialError('M_FORBIDDEN', 'the credential has expired; ask the issuer for a new one');
  if (/not yet valid|nbf|iat/i.test(message)) return new CredentialError('M_FORBIDDEN', 'the credential is not valid yet');
  return altered();
}

function altered(): CredentialError {
  return new CredentialError(
    'M_FORBIDDEN',
    'the credential has been altered or was not signed by its issuer (signature or disclosure digest does not verify)',
  );
}

/** Whether each disclosure presented has its digest among those the issuer signed (in `_sd` or `{"...": digest}`). */
function everyDisclosureSigned(presentation: string): boolean {
  const [jwt = '', ...disclosures] = presentation.split('~');
  const signed = new Set<string>();
  const collect = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) collect(item);
    } else if (value !== null && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        if (key === '_sd' && Array.isArray(inner)) for (const digest of inner) signed.add(String(digest));
        else if (key === '...') signed.add(String(inner));
        else collect(inner);
      }
    }
  };
  const presented = disclosures.filter((disclosure) => disclosure !== '' && !disclosure.includes('.'));
  try {
    collect(JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')));
    // A disclosed object may carry the digests of nested disclosures.
    for (const disclosure of presented) collect(JSON.parse(Buffer.from(disclosure, 'base64url').toString('utf8')));
  } catch {
    return false;
  }
  return presented.every((disclosure) => signed.has(Buffer.from(sdJwtHasher(disclosure, 'sha-256')).toString('base64url')));
}

/** The issuer-signed JWT's header and payload, read before verifying only to find whose key checks it. */
function unverifiedParts(presentation: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const jwt = presentation.split('~')[0] ?? '';
  const [header, payload] = jwt.split('.');
  try {
    const parts = {
      header: JSON.parse(Buffer.from(header ?? '', 'base64url').toString('utf8')) as Record<string, unknown>,
      payload: JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as Record<string, unknown>,
    };
    if (typeof parts.header !== 'object' || parts.header === null || typeof parts.payload !== 'object' || parts.payload === null)
      throw new Error('not objects');
    return parts;
  } catch {
    throw new CredentialError('M_INVALID_PARAM', 'credential is not an SD-JWT (issuer-signed JWT, then ~-separated disclosures)');
  }
}
