import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import type { RelyingParty } from '../../identity/index.ts';
import { ApiError } from '../../node/index.ts';
import type { PasswordStage } from './password-stage.ts';
import { limitAuth, type RateLimits } from './rate-limits.ts';
import { confirmReauthenticationPage, refusalPage } from './sso-pages.ts';
import { redirectToProvider } from './sso-redirect.ts';
import { MAX_UIA_SESSION_LENGTH } from './uia-session.ts';

const Params = Type.Object({ authType: Type.String({ maxLength: 64 }) });
const Query = Type.Object({
  session: Type.String({ minLength: 1, maxLength: MAX_UIA_SESSION_LENGTH }),
  continue: Type.Optional(Type.String({ maxLength: 8 })),
});

/**
 * GET /auth/m.login.sso/fallback/web?session=…: the page a client opens when user-interactive
 * auth asks an account without a password to prove itself (client-server §Fallback). The
 * page first names what the session's request does; on Continue the browser goes to the
 * identity provider, which must ask the person to sign in now (prompt=login, max_age=0); the
 * callback completes the session only if the person who signs in there is the one the
 * account is bound to, and signed in after this flow began.
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
        const { session, continue: confirmed } = request.query as Static<typeof Query>;
        const purpose = await stage.purposeOf(session);
        if (purpose === undefined)
          return refusalPage(
            request,
            reply,
            new ApiError(400, 'M_UNKNOWN', 'this confirmation is unknown or has expired; start again from your client'),
          );
        if (confirmed !== '1') {
          const onward = `${request.url.split('?')[0]}?session=${encodeURIComponent(session)}&continue=1`;
          return confirmReauthenticationPage(reply, purpose, onward);
        }
        // A fresh sign-in, whatever session the provider holds: prompt=login, max_age=0.
        return redirectToProvider(
          reply,
          relyingParty,
          { redirectUrl: '', action: 'reauthenticate', uiaSession: session },
          { prompt: 'login', maxAge: 0 },
        );
      },
    );
  }
}
