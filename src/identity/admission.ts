import { AgePolicyError, meetsMinimumAge } from './age-policy.ts';
import type { TrustedIssuer } from './credential-verifier.ts';
import type { RelyingParty } from './relying-party.ts';

/** The account policy a deployment sets: how many accounts one person may hold, and from what age. */
export interface AccountPolicy {
  /** Active verified accounts one person may hold at once (default 1). */
  accountsPerPerson: number;
  /** The age a person must have reached, judged from the provider's verified birth date; 0 turns the check off. */
  minimumAge: number;
}

export const DEFAULT_ACCOUNT_POLICY: AccountPolicy = { accountsPerPerson: 1, minimumAge: 18 };

/** Everything the messenger needs to bind accounts to verified people. */
export interface IdentityConfig {
  /** The OpenID provider sign-in goes through (absent: no SSO on this node). */
  relyingParty?: RelyingParty;
  /** Key of the person hashes (subnet-wide: the same file on every replica). */
  bindingSecret: Buffer;
  policy: AccountPolicy;
  /** Issuers whose SD-JWT verified-person credentials register accounts. */
  trustedIssuers: TrustedIssuer[];
  /** User ids allowed to revoke a person's binding (the node's configuration). */
  administrators: readonly string[];
  /** Origins of clients that receive SSO login tokens without the confirmation page (--sso-trusted-client). */
  trustedClients: readonly string[];
}

/** A sign-in the policy refuses; the message is shown to the person as it is. */
export class AdmissionError extends Error {
  override name = 'AdmissionError';
}

/** What the binding keeps of a person: the threshold met and an official's organisation. Never the claims themselves. */
export interface Admission {
  minimumAge: number;
  organisation?: { ministry: string; department?: string };
}

/**
 * Applies the age policy to the provider's verified birth date and reads an official's
 * organisation. The birth date is looked at here, at ingress, and goes no further.
 */
export function admit(claims: { birthdate?: string; organisation?: unknown }, policy: AccountPolicy, now: Date): Admission {
  if (policy.minimumAge > 0) {
    if (claims.birthdate === undefined)
      throw new AdmissionError('the identity provider did not state a verified birth date, which this server needs to check your age');
    let meets: boolean;
    try {
      meets = meetsMinimumAge(claims.birthdate, policy.minimumAge, now);
    } catch (error) {
      if (error instanceof AgePolicyError) throw new AdmissionError(error.message);
      throw error;
    }
    if (!meets) throw new AdmissionError(`accounts on this server are for people aged ${policy.minimumAge} or over`);
  }
  const organisation = organisationOf(claims.organisation);
  return { minimumAge: policy.minimumAge, ...(organisation ? { organisation } : {}) };
}

/** An official's organisation as the provider states it: a ministry and perhaps a department, plain strings only. */
export function organisationOf(value: unknown): { ministry: string; department?: string } | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const { ministry, department } = value as Record<string, unknown>;
  if (typeof ministry !== 'string' || ministry.length === 0 || ministry.length > 200) return undefined;
  const valid = typeof department === 'string' && department.length > 0 && department.length <= 200;
  return { ministry, ...(valid ? { department } : {}) };
}
