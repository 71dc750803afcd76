import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import { requireToken } from '../../../messenger/index.ts';
import type { NodeContext } from '../../../node/index.ts';
import { askBuilder, runBuilder } from '../../http/calls.ts';
import { signedInUser } from '../../licences/index.ts';

const App = Type.Object({ slug: Type.String({ minLength: 1, maxLength: 63 }) });
const Member = Type.Object({ slug: Type.String({ minLength: 1, maxLength: 63 }), userId: Type.String({ minLength: 1, maxLength: 255 }) });
const MemberRole = Type.Object({
  slug: Type.String({ minLength: 1, maxLength: 63 }),
  userId: Type.String({ minLength: 1, maxLength: 255 }),
  role: Type.String({ minLength: 1, maxLength: 64 }),
});

/**
 * Members of a generated app: its builders list them with their roles (GET
 * /_watan/v1/apps/{slug}/members); anyone reads their own roles (…/members/me); the owner
 * gives and takes roles (PUT/DELETE …/members/{userId}/roles/{role}) and removes a member
 * entirely (DELETE …/members/{userId}), which a member may also do to leave.
 */
export function registerMembers(server: FastifyInstance, node: NodeContext): void {
  const authenticated = { onRequest: requireToken };
  server.get<{ Params: Static<typeof App> }>(
    '/_watan/v1/apps/:slug/members',
    { ...authenticated, schema: { params: App } },
    async (request) => askBuilder(node.subnet, 'member_list', { app: request.params.slug }, signedInUser(request, node)),
  );
  server.get<{ Params: Static<typeof App> }>(
    '/_watan/v1/apps/:slug/members/me',
    { ...authenticated, schema: { params: App } },
    async (request) => askBuilder(node.subnet, 'member_roles', { app: request.params.slug }, signedInUser(request, node)),
  );
  for (const [verb, method] of [
    ['PUT', 'member_assign_role'],
    ['DELETE', 'member_unassign_role'],
  ] as const) {
    server.route<{ Params: Static<typeof MemberRole> }>({
      method: verb,
      url: '/_watan/v1/apps/:slug/members/:userId/roles/:role',
      ...authenticated,
      schema: { params: MemberRole },
      handler: async (request) => {
        const { slug, userId, role } = request.params;
        return runBuilder(node.subnet, method, { app: slug, user_id: userId, role }, signedInUser(request, node));
      },
    });
  }
  server.delete<{ Params: Static<typeof Member> }>(
    '/_watan/v1/apps/:slug/members/:userId',
    { ...authenticated, schema: { params: Member } },
    async (request) => {
      const { slug, userId } = request.params;
      return runBuilder(node.subnet, 'member_remove', { app: slug, user_id: userId }, signedInUser(request, node));
    },
  );
}
