import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import type { NodeContext } from '../../node/index.ts';
import { MAX_TOKEN_LENGTH, parseSyncToken } from '../sync/token.ts';
import { authenticate } from './authenticate.ts';
import { runQuery } from './commands.ts';
import { clientRoute } from './matrix-routes.ts';

const Query = Type.Object({ from: Type.String({ maxLength: MAX_TOKEN_LENGTH }), to: Type.String({ maxLength: MAX_TOKEN_LENGTH }) });

/**
 * GET /keys/changes: whose device lists changed since the sync token `from`, for a client
 * that was away. `to` is only checked: the answer runs to the replica's present, which can
 * only name more users than asked (each costing the client one /keys/query), never fewer.
 */
export function registerKeysChanges(server: FastifyInstance, node: NodeContext): void {
  clientRoute(server, 'GET', '/keys/changes', { querystring: Query }, async (request) => {
    const session = authenticate(request, node.subnet);
    const query = request.query as Static<typeof Query>;
    const from = parseSyncToken(query.from, 'from');
    parseSyncToken(query.to, 'to');
    return runQuery(node.subnet, 'keys_changes', { from: from.stream }, session.userId);
  });
}
