import type { AppContext } from '../../../subnet/index.ts';

export interface Organisation {
  ministry: string;
  department?: string;
}

/** What the builder may know of a person: whether a verified person holds the account, and an official's organisation. */
export interface Person {
  userId: string;
  verified: boolean;
  organisation: Organisation | null;
}

interface Attestation {
  verified_person: boolean;
  organisation?: Organisation;
}

/**
 * Reads the messenger's identity binding of an account, inside the command, so every
 * replica decides on the same facts. An account not bound (or no longer bound) to a
 * verified person is unverified.
 */
export function personOf(ctx: Pick<AppContext, 'query'>, userId: string): Person {
  const attestation = ctx.query('messenger', 'verified_attestation', { user_id: userId }) as Attestation | null;
  if (!attestation?.verified_person) return { userId, verified: false, organisation: null };
  return { userId, verified: true, organisation: attestation.organisation ?? null };
}
