import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import { requireToken } from '../../../messenger/index.ts';
import type { NodeContext } from '../../../node/index.ts';
import { askBuilder, runBuilder } from '../../http/calls.ts';
import { signedInUser } from '../../licences/index.ts';

const App = Type.Object({ slug: Type.String({ minLength: 1, maxLength: 63 }) });
const Builder = Type.Object({ slug: Type.String({ minLength: 1, maxLength: 63 }), userId: Type.String({ minLength: 1, maxLength: 255 }) });
const Changes = Type.Object(
  { after: Type.Optional(Type.Integer({ minimum: 0 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) },
  { additionalProperties: false },
);

/**
 * Co-building: an app's builders list its builders (GET /_watan/v1/apps/{slug}/builders) and
 * its history of who changed what (…/changes); the owner adds and removes co-builders
 * (PUT/DELETE …/builders/{userId}), and a co-builder may remove themselves.
 */
export function registerBuilders(server: FastifyInstance, node: NodeContext): void {
  const authenticated = { onRequest: requireToken };
  server.get<{ Params: Static<typeof App> }>(
    '/_watan/v1/apps/:slug/builders',
    { ...authenticated, schema: { params: App } },
    async (request) => ({
      builders: askBuilder(node.subnet, 'builder_list', { app: request.params.slug }, signedInUser(request, node)),
    }),
  );
  server.get<{ Params: Static<typeof App>; Querystring: Static<typeof Changes> }>(
    '/_watan/v1/apps/:slug/changes',
    { ...authenticated, schema: { params: App, querystring: Changes } },
    async (request) => ({
      changes: askBuilder(node.subnet, 'builder_changes', { app: request.params.slug, ...request.query }, signedInUser(request, node)),
    }),
  );
  for (const [verb, method] of [
    ['PUT', 'builder_add'],
    ['DELETE', 'builder_remove'],
  ] as const) {
    server.route<{ Params: Static<typeof Builder> }>({
      method: verb,
      url: '/_watan/v1/apps/:slug/builders/:userId',
      ...authenticated,
      schema: { params: Builder },
      handler: async (request) => {
        const { slug, userId } = request.params;
        return runBuilder(node.subnet, method, { app: slug, user_id: userId }, signedInUser(request, node));
      },
    });
  }
}
