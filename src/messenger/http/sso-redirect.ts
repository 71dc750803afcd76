import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import { type RelyingParty, SignInError, type SignInIntent, type SignInPrompt } from '../../identity/index.ts';
import { ApiError } from '../../node/index.ts';
import { limitAuth, type RateLimits } from './rate-limits.ts';
import { signInCookie } from './sso-cookie.ts';

const Query = Type.Object({
  redirectUrl: Type.Optional(Type.String({ maxLength: 2048 })),
  action: Type.Optional(Type.String({ maxLength: 32 })),
});
const Params = Type.Object({ idpId: Type.String({ maxLength: 255 }) });

/**
 * GET /login/sso/redirect[/{idpId}]: the start of Matrix SSO. The browser is sent to the
 * identity provider with a fresh PKCE challenge, state and nonce; a cookie ties the flow to
 * this browser. No access token: the person is not signed in yet.
 */
export function registerSsoRedirect(server: FastifyInstance, relyingParty: RelyingParty, limits: RateLimits): void {
  const start = async (request: FastifyRequest, reply: FastifyReply) => {
    const idpId = (request.params as Partial<Static<typeof Params>>).idpId;
    if (idpId !== undefined && idpId !== relyingParty.settings.id)
      throw new ApiError(404, 'M_NOT_FOUND', `this server has no identity provider ${idpId}; it offers ${relyingParty.settings.id}`);
    const query = request.query as Static<typeof Query>;
    if (query.redirectUrl === undefined)
      throw new ApiError(400, 'M_MISSING_PARAM', 'redirectUrl is required: where to return after sign-in');
    const redirectUrl = clientRedirectOf(query.redirectUrl);
    const action = query.action ?? 'login';
    if (action !== 'login' && action !== 'register')
      throw new ApiError(400, 'M_INVALID_PARAM', `action is login or register, not ${action}`);
    return redirectToProvider(reply, relyingParty, { redirectUrl, action });
  };
  for (const prefix of ['/_matrix/client/v3', '/_matrix/client/r0']) {
    server.get(`${prefix}/login/sso/redirect`, { schema: { querystring: Query }, config: limitAuth(limits) }, start);
    server.get(`${prefix}/login/sso/redirect/:idpId`, { schema: { querystring: Query, params: Params }, config: limitAuth(limits) }, start);
  }
}

/**
 * Sends the browser to the identity provider to start a sign-in, with the cookie that ties
 * the flow to this browser; a provider that cannot be reached is the client's 502.
 */
export async function redirectToProvider(
  reply: FastifyReply,
  relyingParty: RelyingParty,
  intent: SignInIntent,
  asked?: SignInPrompt,
): Promise<FastifyReply> {
  let started: Awaited<ReturnType<RelyingParty['begin']>>;
  try {
    started = await relyingParty.begin(intent, asked);
  } catch (error) {
    if (error instanceof SignInError) throw new ApiError(502, 'M_UNKNOWN', error.message);
    throw error;
  }
  const secure = new URL(relyingParty.settings.redirectUri).protocol === 'https:';
  reply.header('set-cookie', signInCookie(started.browserBinding, secure));
  reply.header('cache-control', 'no-store');
  return reply.redirect(started.authorizationUrl, 302);
}

/**
 * Where the login token goes: an absolute URL of the client (a web page, or a mobile app's
 * own scheme). Schemes that run code in the browser are refused.
 */
function clientRedirectOf(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ApiError(400, 'M_INVALID_PARAM', 'redirectUrl must be an absolute URL');
  }
  if (['javascript:', 'data:', 'vbscript:', 'file:', 'blob:'].includes(url.protocol))
    throw new ApiError(400, 'M_INVALID_PARAM', `redirectUrl cannot use the ${url.protocol} scheme`);
  return url.href;
}
