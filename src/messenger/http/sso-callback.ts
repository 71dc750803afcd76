import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AdmissionError, admit, type IdentityConfig, personHash, type RelyingParty, SignInError } from '../../identity/index.ts';
import { ApiError, type NodeContext } from '../../node/index.ts';
import { newAccessToken, tokenHash } from '../auth/tokens.ts';
import { runCommand } from './commands.ts';
import { limitAuth, type RateLimits } from './rate-limits.ts';
import { CALLBACK_PATH, clearedSignInCookie, signInCookieOf } from './sso-cookie.ts';

/** How long the login token handed to the client stays good: the client redeems it at once. */
const SSO_LOGIN_TOKEN_LIFETIME_MS = 120_000;

/**
 * GET /_watan/v1/identity/oidc/callback: the provider sends the browser back here. The code is
 * exchanged (PKCE), the ID token checked, the person's subject turned into its keyed hash and
 * the policy applied; then the account is found or created in one command, and the browser
 * goes back to the client with a single-use login token (m.login.token). Only hashes reach the
 * log: of the subject (HMAC) and of the login token.
 */
export function registerSsoCallback(
  server: FastifyInstance,
  node: NodeContext,
  identity: IdentityConfig & { relyingParty: RelyingParty },
  limits: RateLimits,
): void {
  server.get(CALLBACK_PATH, { config: limitAuth(limits) }, async (request, reply) => {
    reply.header('set-cookie', clearedSignInCookie());
    reply.header('cache-control', 'no-store');
    try {
      const query = new URLSearchParams(request.url.slice(request.url.indexOf('?') + 1 || request.url.length));
      const { claims, intent } = await identity.relyingParty.complete(query, signInCookieOf(request.headers.cookie));
      const admission = admit(claims, identity.policy, new Date());
      const loginToken = newAccessToken();
      await runCommand(
        node.subnet,
        'register_verified',
        {
          person_hash: personHash(identity.bindingSecret, claims.issuer, claims.subject),
          server_name: node.serverName,
          via: 'oidc',
          minimum_age: admission.minimumAge,
          ...(admission.organisation ? { organisation: admission.organisation } : {}),
          accounts_per_person: identity.policy.accountsPerPerson,
          existing: intent.action === 'register' ? 'refuse' : 'sign_in',
          login: { login_hash: tokenHash(loginToken), lifetime_ms: SSO_LOGIN_TOKEN_LIFETIME_MS },
        },
        'anonymous',
      );
      const back = new URL(intent.redirectUrl);
      back.searchParams.set('loginToken', loginToken);
      return reply.redirect(back.href, 302);
    } catch (error) {
      if (error instanceof SignInError) return refuse(request, reply, new ApiError(400, 'M_FORBIDDEN', error.message));
      if (error instanceof AdmissionError) return refuse(request, reply, new ApiError(403, 'M_FORBIDDEN', error.message));
      if (error instanceof ApiError) return refuse(request, reply, error);
      throw error;
    }
  });
}

/**
 * A refused sign-in ends in the person's browser: a short page saying why (and the Matrix
 * error as JSON for a caller that does not ask for HTML).
 */
function refuse(request: FastifyRequest, reply: FastifyReply, error: ApiError): FastifyReply {
  reply.code(error.status);
  if (!(request.headers.accept ?? '').includes('text/html')) return reply.send({ errcode: error.errcode, error: error.message });
  const message = error.message.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
  return reply
    .type('text/html; charset=utf-8')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign-in refused</title></head><body><h1>Sign-in refused</h1><p>${message}</p><p>(${error.errcode})</p></body></html>\n`,
    );
}
