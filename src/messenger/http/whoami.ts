import type { FastifyInstance } from 'fastify';
import type { NodeContext } from '../../node/index.ts';
import { authenticate } from './authenticate.ts';
import { clientRoute } from './matrix-routes.ts';

export function registerWhoami(server: FastifyInstance, node: NodeContext): void {
  clientRoute(server, 'GET', '/account/whoami', {}, async (request) => {
    const session = authenticate(request, node.subnet);
    return { user_id: session.userId, device_id: session.deviceId, is_guest: false };
  });
}
