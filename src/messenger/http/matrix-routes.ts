import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema, HTTPMethods } from 'fastify';

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/**
 * Registers a client-server endpoint under `/_matrix/client/v3` and, as deployed homeservers
 * do for endpoints that had one, the legacy `/_matrix/client/r0` prefix.
 */
export function clientRoute(
  server: FastifyInstance,
  method: HTTPMethods,
  path: string,
  schema: FastifySchema,
  handler: Handler,
  config?: Record<string, unknown>,
): void {
  for (const prefix of ['/_matrix/client/v3', '/_matrix/client/r0']) {
    server.route({ method, url: `${prefix}${path}`, schema, handler, ...(config ? { config } : {}) });
  }
}

/** Registers an endpoint the specification versions under `/_matrix/client/v1` (no legacy alias). */
export function clientV1Route(
  server: FastifyInstance,
  method: HTTPMethods,
  path: string,
  schema: FastifySchema,
  handler: Handler,
  config?: Record<string, unknown>,
): void {
  server.route({ method, url: `/_matrix/client/v1${path}`, schema, handler, ...(config ? { config } : {}) });
}
