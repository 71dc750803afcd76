import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { AdmissionError, admit, type IdentityConfig, personHash, type RelyingParty, SignInError } from '../../identity/index.ts';
import { ApiError, type NodeContext } from '../../node/index.ts';
import { limitAuth, type RateLimits } from './rate-limits.ts';
import { completeSignIn, type PendingConfirmations, type VerifiedSignIn } from './sso-completion.ts';
import { CALLBACK_PATH, clearedSignInCookie, signInCookieOf } from './sso-cookie.ts';
import { confirmationPage, refusalPage } from './sso-pages.ts';

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
      if (identity.trustedClients.includes(new URL(intent.redirectUrl).origin)) return await completeSignIn(node, identity, signIn, reply);
      const confirmation = randomBytes(32).toString('base64url');
      confirmations.add(confirmation, signIn);
      return confirmationPage(reply, confirmation, intent.redirectUrl);
    } catch (error) {
      if (error instanceof SignInError) return refusalPage(request, reply, new ApiError(400, 'M_FORBIDDEN', error.message));
      if (error instanceof AdmissionError) return refusalPage(request, reply, new ApiError(403, 'M_FORBIDDEN', error.message));
      if (error instanceof ApiError) return refusalPage(request, reply, error);
      throw error;
    }
  });
}
