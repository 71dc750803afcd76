import type { FastifyInstance } from 'fastify';

/**
 * The specification versions this server implements. Listed only as far as the endpoints
 * behind them exist; matrix-js-sdk needs at least v1.1.
 */
export const SPEC_VERSIONS = ['v1.1', 'v1.2', 'v1.3', 'v1.4', 'v1.5', 'v1.6', 'v1.7', 'v1.8', 'v1.9', 'v1.10', 'v1.11'];

export function registerVersions(server: FastifyInstance): void {
  server.get('/_matrix/client/versions', async () => ({ versions: SPEC_VERSIONS, unstable_features: {} }));
}
