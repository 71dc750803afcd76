import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import { requireToken } from '../../../messenger/index.ts';
import type { NodeContext } from '../../../node/index.ts';
import { askBuilder, runBuilder } from '../../http/calls.ts';
import { Approvals } from '../app/governance.ts';
import { signedInUser } from './signed-in-user.ts';

const Params = Type.Object({ userId: Type.String({ minLength: 1, maxLength: 255 }) });
const Body = Type.Object({ approvals: Approvals }, { additionalProperties: false });

/**
 * Licence administrators: GET lists them (any signed-in person); PUT appoints and DELETE
 * dismisses one with governance approvals (the approvals are the authority).
 */
export function registerAdministrators(server: FastifyInstance, node: NodeContext): void {
  server.get('/_watan/v1/licences/admins', { onRequest: requireToken }, async (request) => {
    const userId = signedInUser(request, node);
    return { admins: askBuilder(node.subnet, 'licence_admins', {}, userId) };
  });
  for (const [verb, method] of [
    ['PUT', 'licence_appoint_admin'],
    ['DELETE', 'licence_dismiss_admin'],
  ] as const) {
    server.route<{ Params: Static<typeof Params>; Body: Static<typeof Body> }>({
      method: verb,
      url: '/_watan/v1/licences/admins/:userId',
      schema: { params: Params, body: Body },
      handler: async (request) => {
        const args = { user_id: request.params.userId, approvals: request.body.approvals };
        return runBuilder(node.subnet, method, args, 'governance');
      },
    });
  }
}
