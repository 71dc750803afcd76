import type { FastifyInstance } from 'fastify';
import type { IdentityConfig } from '../../identity/index.ts';
import { ApiError, type NodeContext } from '../../node/index.ts';
import { limitAuth, type RateLimits } from './rate-limits.ts';
import { completeSignIn, type PendingConfirmations } from './sso-completion.ts';
import { CONTINUE_PATH, refusalPage } from './sso-pages.ts';

const MAX_FORM_BYTES = 4096;

/**
 * POST /_watan/v1/identity/oidc/continue: the person confirmed the client named on the
 * confirmation page. The confirmation id (256 random bits, shown only on that page) is used
 * once; then the account is found or made and the browser goes back with a login token.
 */
export function registerSsoContinue(
  server: FastifyInstance,
  node: NodeContext,
  identity: IdentityConfig,
  confirmations: PendingConfirmations,
  limits: RateLimits,
): void {
  // The page's form posts urlencoded; only this route reads that, so the parser lives in its own scope.
  server.register(async (scope) => {
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: MAX_FORM_BYTES },
      (_request, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(body as string)));
      },
    );
    scope.post(CONTINUE_PATH, { config: limitAuth(limits) }, async (request, reply) => {
      const body = request.body as Record<string, unknown> | undefined;
      const confirmation = body?.confirmation;
      try {
        if (typeof confirmation !== 'string' || confirmation.length === 0 || confirmation.length > 128)
          throw new ApiError(400, 'M_MISSING_PARAM', 'this form needs the confirmation it was shown with');
        const signIn = await confirmations.take(confirmation);
        if (!signIn) throw new ApiError(400, 'M_FORBIDDEN', 'this sign-in is unknown, used or expired; start again from your client');
        return await completeSignIn(node, identity, signIn, reply);
      } catch (error) {
        if (error instanceof ApiError) return refusalPage(request, reply, error);
        throw error;
      }
    });
  });
}
