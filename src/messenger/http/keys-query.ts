import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import type { NodeContext } from '../../node/index.ts';
import { authenticate } from './authenticate.ts';
import { runQuery } from './commands.ts';
import { clientRoute } from './matrix-routes.ts';
import { localUsersOf } from './remote-users.ts';

const UserId = Type.String({ pattern: '^@[^:]+:.+$', maxLength: 255 });
const Body = Type.Object({
  device_keys: Type.Record(UserId, Type.Array(Type.String({ maxLength: 255 }), { maxItems: 1000 }), {
    maxProperties: 1000,
    // Record keys that fail the user id pattern would otherwise pass as extra properties.
    additionalProperties: false,
  }),
  timeout: Type.Optional(Type.Integer({ minimum: 0 })),
});

/** POST /keys/query: the device and cross-signing keys of local users; other servers are `failures`. */
export function registerKeysQuery(server: FastifyInstance, node: NodeContext): void {
  clientRoute(server, 'POST', '/keys/query', { body: Body }, async (request) => {
    const session = authenticate(request, node.subnet);
    const { local, failures } = localUsersOf((request.body as Static<typeof Body>).device_keys, node.serverName);
    const keys = runQuery<Record<string, unknown>>(node.subnet, 'query_keys', { device_keys: local }, session.userId);
    return { failures, ...keys };
  });
}
