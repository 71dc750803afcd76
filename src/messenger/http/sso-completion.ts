import type { FastifyReply } from 'fastify';
import { type Admission, type IdentityConfig, PendingSignIns, type SignInIntent } from '../../identity/index.ts';
import type { NodeContext } from '../../node/index.ts';
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

/** Verified sign-ins waiting for the person to confirm the client they go back to (this node's memory, 10 minutes). */
export class PendingConfirmations extends PendingSignIns<VerifiedSignIn> {}

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
