import type { FastifyInstance } from 'fastify';
import type { RegistryView } from '../../subnet/index.ts';
import { ApiError } from '../api-error.ts';
import type { NodeContext } from '../context.ts';

/** The subnet's registry — members, their attestations, governance keys — for verifiers. */
export function registerRegistry(app: FastifyInstance, node: NodeContext): void {
  app.get('/_watan/v1/registry', async () => {
    const view = node.subnet.query('registry', 'view', {}, 'anonymous') as RegistryView | null;
    if (!view) throw new ApiError(404, 'M_NOT_FOUND', 'the registry has not been initialised yet');
    return view;
  });
}
