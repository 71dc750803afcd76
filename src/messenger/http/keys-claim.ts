import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import type { NodeContext } from '../../node/index.ts';
import { authenticate } from './authenticate.ts';
import { runCommand } from './commands.ts';
import { clientRoute } from './matrix-routes.ts';
import { localUsersOf } from './remote-users.ts';

const UserId = Type.String({ pattern: '^@[^:]+:.+$', maxLength: 255 });
const Body = Type.Object({
  one_time_keys: Type.Record(
    UserId,
    Type.Record(Type.String({ minLength: 1, maxLength: 255 }), Type.String({ minLength: 1, maxLength: 100 }), { maxProperties: 1000 }),
    // Record keys that fail the user id pattern would otherwise pass as extra properties.
    { maxProperties: 1000, additionalProperties: false },
  ),
  timeout: Type.Optional(Type.Integer({ minimum: 0 })),
});

/**
 * POST /keys/claim: one key per asked device. A command through the log, not a read, so
 * every one-time key is given out once however many claims race for it.
 */
export function registerKeysClaim(server: FastifyInstance, node: NodeContext): void {
  clientRoute(server, 'POST', '/keys/claim', { body: Body }, async (request) => {
    const session = authenticate(request, node.subnet);
    const { local, failures } = localUsersOf((request.body as Static<typeof Body>).one_time_keys, node.serverName);
    if (Object.keys(local).length === 0) return { failures, one_time_keys: {} };
    const claimed = await runCommand<{ one_time_keys: Record<string, unknown> }>(
      node.subnet,
      'claim_keys',
      { one_time_keys: local },
      session.userId,
    );
    return { failures, one_time_keys: claimed.one_time_keys };
  });
}
