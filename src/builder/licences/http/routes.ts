import type { FastifyInstance } from 'fastify';
import type { NodeContext } from '../../../node/index.ts';
import { useBuilderErrors } from '../../http/calls.ts';
import { registerAdministrators } from './administrators.ts';
import { registerLicences } from './licences.ts';
import { registerPool } from './pool.ts';

/** The licence routes under /_watan/v1/licences, in their own scope so their errors are the node's own codes. */
export function registerLicenceRoutes(server: FastifyInstance, node: NodeContext): void {
  server.register(async (scope) => {
    useBuilderErrors(scope);
    registerPool(scope, node);
    registerAdministrators(scope, node);
    registerLicences(scope, node);
  });
}
