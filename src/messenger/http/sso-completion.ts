import type { FastifyReply } from 'fastify';
import { type Admission, type IdentityConfig, SIGN_IN_TTL_MS, type SignInIntent } from '../../identity/index.ts';
import { type EphemeralStore, type NodeContext, SealedEntries } from '../../node/index.ts';
import { newAccessToken, tokenHash } from '../auth/tokens.ts';
import { runCommand } from './commands.ts';

/**
 * How long the login token handed to the client stays good. The specification asks for about
 * five seconds; a little more leaves room for a slow phone between the redirect and /login.
 */
const SSO_LOGIN_TOKEN_LIFETIME_MS = 15_000;

/** A sign-in the provider and the policy have accepted: only the person's keyed hash, never a claim. */
export interface VerifiedSignIn {
  personHash: string;
  admission: Admission;
  intent: SignInIntent;
}

/**
 * Verified sign-ins waiting for the person to confirm the client they go back to (10 minutes),
 * in the store the replicas share: the confirmation page may come from one replica and the
 * form post reach another. Each is used once.
 */
export class PendingConfirmations {
  private readonly entries: SealedEntries<VerifiedSignIn>;

  constructor(store: EphemeralStore) {
    this.entries = new SealedEntries(store, 'sign-in-confirmation');
  }

  add(confirmation: string, signIn: VerifiedSignIn): Promise<void> {
    return this.entries.put(confirmation, signIn, SIGN_IN_TTL_MS);
  }

  take(confirmation: string): Promise<VerifiedSignIn | undefined> {
    return this.entries.take(confirmation);
  }
}

/**
 * Finds or creates the person's account in one command (the per-person limit is counted in
 * the executor), makes a single-use login token, and sends the browser back to the client
 * with it (replacing any loginToken the client's URL already had).
 */
export async function completeSignIn(
  node: NodeContext,
  identity: IdentityConfig,
  signIn: VerifiedSignIn,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const loginToken = newAccessToken();
  await runCommand(
    node.subnet,
    'register_verified',
    {
      person_hash: signIn.personHash,
      server_name: node.serverName,
      via: 'oidc',
      minimum_age: signIn.admission.minimumAge,
      ...(signIn.admission.organisation ? { organisation: signIn.admission.organisation } : {}),
      accounts_per_person: identity.policy.accountsPerPerson,
      existing: signIn.intent.action === 'register' ? 'refuse' : 'sign_in',
      login: { login_hash: tokenHash(loginToken), lifetime_ms: SSO_LOGIN_TOKEN_LIFETIME_MS },
    },
    'anonymous',
  );
  const back = new URL(signIn.intent.redirectUrl);
  back.searchParams.set('loginToken', loginToken);
  return reply.header('cache-control', 'no-store').redirect(back.href, 302);
}
