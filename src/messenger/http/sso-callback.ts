import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AdmissionError, admit, type IdentityConfig, personHash, type RelyingParty, SignInError } from '../../identity/index.ts';
import { ApiError, type NodeContext } from '../../node/index.ts';
import { runQuery } from './commands.ts';
import type { PasswordStage } from './password-stage.ts';
import { limitAuth, type RateLimits } from './rate-limits.ts';
import { completeSignIn, type PendingConfirmations, type VerifiedSignIn } from './sso-completion.ts';
import { CALLBACK_PATH, clearedSignInCookie, signInCookieOf } from './sso-cookie.ts';
import { authDonePage, confirmationPage, refusalPage } from './sso-pages.ts';

/**
 * GET /_watan/v1/identity/oidc/callback: the provider sends the browser back here. The code is
 * exchanged (PKCE), the ID token checked, the subject turned into its keyed hash and the age
 * policy applied, all at ingress; the claims go no further. A client the node trusts gets
 * the login token at once; any other is named on a page the person confirms first.
 */
export function registerSsoCallback(
  server: FastifyInstance,
  node: NodeContext,
  identity: IdentityConfig & { relyingParty: RelyingParty },
  confirmations: PendingConfirmations,
  stage: PasswordStage,
  limits: RateLimits,
): void {
  server.get(CALLBACK_PATH, { config: limitAuth(limits) }, async (request, reply) => {
    reply.header('set-cookie', clearedSignInCookie());
    try {
      const query = new URLSearchParams(request.url.slice(request.url.indexOf('?') + 1 || request.url.length));
      const { claims, intent } = await identity.relyingParty.complete(query, signInCookieOf(request.headers.cookie));
      const signIn: VerifiedSignIn = {
        personHash: personHash(identity.bindingSecret, claims.issuer, claims.subject),
        admission: admit(claims, identity.policy, new Date()),
        intent,
      };
      if (intent.action === 'reauthenticate')
        return await reauthenticated(node, stage, signIn.personHash, intent.uiaSession ?? '', request, reply);
      if (identity.trustedClients.includes(new URL(intent.redirectUrl).origin)) return await completeSignIn(node, identity, signIn, reply);
      const confirmation = randomBytes(32).toString('base64url');
      await confirmations.add(confirmation, signIn);
      return confirmationPage(reply, confirmation, intent.redirectUrl);
    } catch (error) {
      if (error instanceof SignInError) return refusalPage(request, reply, new ApiError(400, 'M_FORBIDDEN', error.message));
      if (error instanceof AdmissionError) return refusalPage(request, reply, new ApiError(403, 'M_FORBIDDEN', error.message));
      if (error instanceof ApiError) return refusalPage(request, reply, error);
      throw error;
    }
  });
}

/** A user-interactive auth session passes only when the person who signed in is the one its account is bound to. */
async function reauthenticated(
  node: NodeContext,
  stage: PasswordStage,
  personHash: string,
  session: string,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const userId = await stage.userOf(session);
  if (userId === undefined)
    return refusalPage(request, reply, new ApiError(400, 'M_UNKNOWN', 'this confirmation has expired; start again from your client'));
  if (
    runQuery<string | null>(node.subnet, 'bound_person', { user_id: userId }, 'ingress') !== personHash ||
    !(await stage.completeBySso(session, userId))
  )
    return refusalPage(request, reply, new ApiError(403, 'M_FORBIDDEN', 'you signed in as someone other than the owner of this account'));
  return authDonePage(reply);
}
