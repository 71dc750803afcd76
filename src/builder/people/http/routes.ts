import type { FastifyInstance } from 'fastify';
import type { NodeContext } from '../../../node/index.ts';
import { useBuilderErrors } from '../../http/calls.ts';
import { registerBuilders } from './builders.ts';
import { registerMembers } from './members.ts';

/** The co-building and member routes under /_watan/v1/apps/{slug}/, in their own error scope. */
export function registerPeopleRoutes(server: FastifyInstance, node: NodeContext): void {
  server.register(async (scope) => {
    useBuilderErrors(scope);
    registerBuilders(scope, node);
    registerMembers(scope, node);
  });
}
