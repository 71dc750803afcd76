import type { FastifyInstance } from 'fastify';
import type { NodeContext } from '../../node/index.ts';
import { authenticate } from './authenticate.ts';
import { clientRoute } from './matrix-routes.ts';

/** What this server lets clients do, so they do not offer what would fail. */
export function registerCapabilities(server: FastifyInstance, node: NodeContext): void {
  clientRoute(server, 'GET', '/capabilities', {}, async (request) => {
    authenticate(request, node.subnet);
    return {
      capabilities: {
        'm.room_versions': { default: '11', available: { '11': 'stable' } },
        'm.change_password': { enabled: false },
        'm.set_displayname': { enabled: false },
        'm.set_avatar_url': { enabled: false },
        'm.3pid_changes': { enabled: false },
      },
    };
  });
}
