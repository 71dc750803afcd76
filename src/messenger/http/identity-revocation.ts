import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import { ApiError, type NodeContext } from '../../node/index.ts';
import { authenticate, requireToken } from './authenticate.ts';
import { runCommand } from './commands.ts';

const Body = Type.Object({ user_id: Type.String({ minLength: 1, maxLength: 255 }) }, { additionalProperties: false });

/**
 * POST /_watan/v1/identity/revoke: an administrator revokes the binding of an account to its
 * person (a reported stolen identity). The account is closed and loses its badge; the person
 * may bind a new account. Administrators are the user ids the node is configured with
 * (--identity-admin); anyone else is refused.
 */
export function registerIdentityRevocation(server: FastifyInstance, node: NodeContext, administrators: readonly string[]): void {
  server.post('/_watan/v1/identity/revoke', { schema: { body: Body }, onRequest: requireToken }, async (request) => {
    const session = authenticate(request, node.subnet);
    if (!administrators.includes(session.userId))
      throw new ApiError(403, 'M_FORBIDDEN', 'only the identity administrators configured on this server may revoke a binding');
    const { user_id: userId } = request.body as Static<typeof Body>;
    const revoked = await runCommand<{ user_id: string; revoked_at: number }>(
      node.subnet,
      'revoke_binding',
      { user_id: userId },
      session.userId,
    );
    return { user_id: revoked.user_id, revoked_at: revoked.revoked_at };
  });
}
