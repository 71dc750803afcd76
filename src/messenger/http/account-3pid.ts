import type { FastifyInstance } from 'fastify';
import type { NodeContext } from '../../node/index.ts';
import { authenticate } from './authenticate.ts';
import { clientRoute } from './matrix-routes.ts';

/**
 * GET /account/3pid: the email addresses and phone numbers bound to the account. Accounts
 * here have none (people are known through the national identity provider, and `/capabilities`
 * says `m.3pid_changes` is off), so the list is empty; Element's settings pages need the answer.
 */
export function registerAccountThirdPartyIds(server: FastifyInstance, node: NodeContext): void {
  clientRoute(server, 'GET', '/account/3pid', {}, async (request) => {
    authenticate(request, node.subnet);
    return { threepids: [] };
  });
}
