import type { FastifyInstance } from 'fastify';
import type { NodeContext } from '../../node/index.ts';
import { defaultPushRules } from '../push/default-rules.ts';
import { authenticate } from './authenticate.ts';
import { clientRoute } from './matrix-routes.ts';

/** The user's push rules: today the specification's defaults, which clients read to decide what notifies. */
export function registerPushRules(server: FastifyInstance, node: NodeContext): void {
  clientRoute(server, 'GET', '/pushrules/', {}, async (request) => defaultPushRules(authenticate(request, node.subnet).userId));
  clientRoute(
    server,
    'GET',
    '/pushrules/global/',
    {},
    async (request) => defaultPushRules(authenticate(request, node.subnet).userId).global,
  );
}
