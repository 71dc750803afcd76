import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import type { NodeContext } from '../../node/index.ts';
import { authenticate } from './authenticate.ts';
import { runQuery } from './commands.ts';
import { clientRoute } from './matrix-routes.ts';
import { sinceOf } from './sync.ts';

const Query = Type.Object({ from: Type.String({ maxLength: 128 }), to: Type.String({ maxLength: 128 }) });

/**
 * GET /keys/changes: whose device lists changed since the sync token `from`, for a client
 * that was away. `to` is only checked: the answer runs to the replica's present, which can
 * only name more users than asked (each costing the client one /keys/query), never fewer.
 */
export function registerKeysChanges(server: FastifyInstance, node: NodeContext): void {
  clientRoute(server, 'GET', '/keys/changes', { querystring: Query }, async (request) => {
    const session = authenticate(request, node.subnet);
    const query = request.query as Static<typeof Query>;
    const from = sinceOf(query.from, 'from') as { stream: number };
    sinceOf(query.to, 'to');
    return runQuery(node.subnet, 'keys_changes', { from: from.stream }, session.userId);
  });
}
