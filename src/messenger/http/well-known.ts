import type { FastifyInstance } from 'fastify';

/** Client discovery: where this homeserver's client API lives. */
export function registerWellKnown(server: FastifyInstance, publicBaseUrl: () => string | undefined): void {
  server.get('/.well-known/matrix/client', async (request) => ({
    'm.homeserver': { base_url: publicBaseUrl() ?? `${request.protocol}://${request.host}` },
  }));
}
