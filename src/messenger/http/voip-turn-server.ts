import type { FastifyInstance } from 'fastify';
import type { NodeContext } from '../../node/index.ts';
import { authenticate } from './authenticate.ts';
import { clientRoute } from './matrix-routes.ts';

/**
 * GET /voip/turnServer. No TURN server is configured, and the answer is what Synapse and
 * Dendrite give then: an empty object. The specification's fields (username, password, uris,
 * ttl) describe a configured server; empty ones would be worse than none, since a browser
 * refuses a peer connection whose ICE server has no URLs, and clients treat `{}` as "no TURN".
 */
export function registerTurnServer(server: FastifyInstance, node: NodeContext): void {
  clientRoute(server, 'GET', '/voip/turnServer', {}, async (request) => {
    authenticate(request, node.subnet);
    return {};
  });
}
