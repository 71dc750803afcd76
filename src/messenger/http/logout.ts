import type { FastifyInstance } from 'fastify';
import type { NodeContext } from '../../node/index.ts';
import { authenticate } from './authenticate.ts';
import { runCommand } from './commands.ts';
import { clientRoute } from './matrix-routes.ts';

/** Ends this session (and its device), or every session of the user. */
export function registerLogout(server: FastifyInstance, node: NodeContext): void {
  clientRoute(server, 'POST', '/logout', {}, async (request) => {
    const session = authenticate(request, node.subnet);
    await runCommand(node.subnet, 'logout', { token_hash: session.tokenHash }, session.userId);
    return {};
  });
  clientRoute(server, 'POST', '/logout/all', {}, async (request) => {
    const session = authenticate(request, node.subnet);
    await runCommand(node.subnet, 'logout_all', {}, session.userId);
    return {};
  });
}
