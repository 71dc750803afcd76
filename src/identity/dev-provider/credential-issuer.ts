import type { JsonWebKey } from 'node:crypto';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { meetsMinimumAge } from '../age-policy.ts';
import { AGE_THRESHOLDS, es256Signer, publicJwk, sdJwtHasher, sdJwtSalt, VERIFIED_PERSON_VCT } from '../credential-format.ts';
import type { Person } from './people.ts';

/** How long a development credential is good for, unless the request asks otherwise. */
export const CREDENTIAL_LIFETIME_S = 365 * 86_400;

/**
 * Issues a verified-person SD-JWT VC for one of the development provider's people. Every
 * claim is a disclosure the holder may withhold; name and birth date are in it too, so that
 * presenting only the policy's claims is something a test can show.
 */
export async function issueCredential(
  person: Person,
  options: {
    issuer: string;
    /** The relying party the credential is for (its client id): `aud`, beside its pairwise `sub`. */
    audience: string;
    subject: string;
    key: JsonWebKey & { kid: string };
    lifetimeSeconds: number;
    now: Date;
  },
): Promise<string> {
  const instance = new SDJwtVcInstance({
    signer: es256Signer(options.key),
    signAlg: 'ES256',
    hasher: sdJwtHasher,
    hashAlg: 'sha-256',
    saltGenerator: sdJwtSalt,
  });
  const iat = Math.floor(options.now.getTime() / 1000);
  const ages = Object.fromEntries(
    AGE_THRESHOLDS.map((threshold) => [String(threshold), meetsMinimumAge(person.birthdate, threshold, options.now)]),
  );
  const claims = {
    iss: options.issuer,
    sub: options.subject,
    aud: options.audience,
    iat,
    exp: iat + options.lifetimeSeconds,
    vct: VERIFIED_PERSON_VCT,
    is_citizen: true,
    age_equal_or_over: ages,
    name: person.name,
    birthdate: person.birthdate,
    ...(person.organisation ? { organisation: person.organisation } : {}),
  };
  const frame = {
    _sd: ['is_citizen', 'name', 'birthdate', ...(person.organisation ? ['organisation'] : [])],
    age_equal_or_over: { _sd: AGE_THRESHOLDS.map(String) },
  };
  return instance.issue(claims as never, frame as never, { header: { kid: options.key.kid } as never });
}

/** What the issuer publishes at /.well-known/jwt-vc-issuer (SD-JWT VC issuer metadata). */
export function issuerMetadata(issuer: string, key: JsonWebKey & { kid: string }) {
  return { issuer, jwks: { keys: [publicJwk(key)] } };
}
