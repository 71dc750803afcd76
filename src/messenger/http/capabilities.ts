import type { FastifyInstance } from 'fastify';
import type { NodeContext } from '../../node/index.ts';
import { authenticate } from './authenticate.ts';
import { clientRoute } from './matrix-routes.ts';

/** What this server lets clients do, so they do not offer what would fail. */
export function registerCapabilities(server: FastifyInstance, node: NodeContext): void {
  clientRoute(server, 'GET', '/capabilities', {}, async (request) => {
    const session = authenticate(request, node.subnet);
    // Accounts made through the identity provider have no password to change or to confirm
    // a login token with.
    const credentials = node.subnet.query('messenger', 'credentials', { user_id: session.userId }, 'ingress') as {
      password_hash: string | null;
    } | null;
    const hasPassword = credentials?.password_hash != null;
    return {
      capabilities: {
        'm.room_versions': { default: '11', available: { '11': 'stable' } },
        'm.change_password': { enabled: hasPassword },
        'm.set_displayname': { enabled: true },
        'm.set_avatar_url': { enabled: true },
        'm.3pid_changes': { enabled: false },
        'm.get_login_token': { enabled: hasPassword },
      },
    };
  });
}
