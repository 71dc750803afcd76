import type { FastifyInstance } from 'fastify';
import type { NodeContext } from '../../node/index.ts';
import { authenticate } from './authenticate.ts';
import { clientRoute } from './matrix-routes.ts';

/**
 * GET /thirdparty/protocols: the bridged networks (protocols application services provide).
 * There are no application services, so the dictionary is empty, as deployed servers answer.
 */
export function registerThirdPartyProtocols(server: FastifyInstance, node: NodeContext): void {
  clientRoute(server, 'GET', '/thirdparty/protocols', {}, async (request) => {
    authenticate(request, node.subnet);
    return {};
  });
}
