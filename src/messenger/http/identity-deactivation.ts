import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import type { NodeContext } from '../../node/index.ts';
import { tokenHash } from '../auth/tokens.ts';
import { authenticate, requireToken } from './authenticate.ts';
import { runCommand } from './commands.ts';

const Body = Type.Object({ login_token: Type.String({ minLength: 1, maxLength: 512 }) }, { additionalProperties: false });

/**
 * POST /_watan/v1/identity/deactivate: the owner closes a verified account (it has no
 * password for /account/deactivate's password stage). The proof that the person is present
 * is a login token from a fresh sign-in at the identity provider (/login/sso/redirect),
 * given here instead of to /login, and used up.
 */
export function registerIdentityDeactivation(server: FastifyInstance, node: NodeContext): void {
  server.post('/_watan/v1/identity/deactivate', { schema: { body: Body }, onRequest: requireToken }, async (request) => {
    const session = authenticate(request, node.subnet);
    const { login_token: loginToken } = request.body as Static<typeof Body>;
    await runCommand(node.subnet, 'deactivate_verified', { login_hash: tokenHash(loginToken) }, session.userId);
    return { user_id: session.userId, deactivated: true };
  });
}
