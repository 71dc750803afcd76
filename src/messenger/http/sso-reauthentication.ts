import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import { type RelyingParty, SignInError } from '../../identity/index.ts';
import { ApiError } from '../../node/index.ts';
import type { PasswordStage } from './password-stage.ts';
import { limitAuth, type RateLimits } from './rate-limits.ts';
import { signInCookie } from './sso-cookie.ts';
import { refusalPage } from './sso-pages.ts';

const Params = Type.Object({ authType: Type.String({ maxLength: 64 }) });
const Query = Type.Object({ session: Type.String({ minLength: 1, maxLength: 255 }) });

/**
 * GET /auth/m.login.sso/fallback/web?session=…: the page a client opens when user-interactive
 * auth asks an account without a password to prove itself (client-server §Fallback). The
 * browser goes to the identity provider; the callback completes the session only if the
 * person who signs in there is the one the account is bound to.
 */
export function registerSsoReauthentication(
  server: FastifyInstance,
  relyingParty: RelyingParty,
  stage: PasswordStage,
  limits: RateLimits,
): void {
  for (const prefix of ['/_matrix/client/v3', '/_matrix/client/r0']) {
    server.get(
      `${prefix}/auth/:authType/fallback/web`,
      { schema: { params: Params, querystring: Query }, config: limitAuth(limits) },
      async (request, reply) => {
        const { authType } = request.params as Static<typeof Params>;
        if (authType !== 'm.login.sso') throw new ApiError(404, 'M_UNRECOGNIZED', `this server has no fallback page for ${authType}`);
        const { session } = request.query as Static<typeof Query>;
        if (stage.userOf(session) === undefined)
          return refusalPage(
            request,
            reply,
            new ApiError(400, 'M_UNKNOWN', 'this confirmation is unknown or has expired; start again from your client'),
          );
        let started: Awaited<ReturnType<RelyingParty['begin']>>;
        try {
          started = await relyingParty.begin({ redirectUrl: '', action: 'reauthenticate', uiaSession: session });
        } catch (error) {
          if (error instanceof SignInError) throw new ApiError(502, 'M_UNKNOWN', error.message);
          throw error;
        }
        const secure = new URL(relyingParty.settings.redirectUri).protocol === 'https:';
        reply.header('set-cookie', signInCookie(started.browserBinding, secure));
        reply.header('cache-control', 'no-store');
        return reply.redirect(started.authorizationUrl, 302);
      },
    );
  }
}
