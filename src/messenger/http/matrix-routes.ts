import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema, HTTPMethods } from 'fastify';
import type { RouteReplyConfig } from '../../node/index.ts';
import { requireToken } from './authenticate.ts';

/** Route config of an endpoint whose reply is one stored content (see RouteReplyConfig). */
export const CONTENT_REPLY = { replyIsContent: true } satisfies RouteReplyConfig;

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/** The endpoints anyone may call without signing in; every other one needs an access token. */
const PUBLIC = new Set([
  'GET /login',
  'POST /login',
  'POST /register',
  'GET /register/available',
  'POST /refresh',
  'GET /publicRooms',
  'GET /directory/room/:roomAlias',
  'GET /profile/:userId',
  'GET /profile/:userId/:field',
]);

function route(
  server: FastifyInstance,
  method: HTTPMethods,
  prefix: string,
  path: string,
  schema: FastifySchema,
  handler: Handler,
  config?: Record<string, unknown>,
): void {
  server.route({
    method,
    url: `${prefix}${path}`,
    schema,
    handler,
    ...(PUBLIC.has(`${method} ${path}`) ? {} : { onRequest: requireToken }),
    ...(config ? { config } : {}),
  });
}

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
  for (const prefix of ['/_matrix/client/v3', '/_matrix/client/r0']) route(server, method, prefix, path, schema, handler, config);
}

type Register = (
  server: FastifyInstance,
  method: HTTPMethods,
  path: string,
  schema: FastifySchema,
  handler: Handler,
  config?: Record<string, unknown>,
) => void;

function underPrefix(prefix: string): Register {
  return (server, method, path, schema, handler, config) => route(server, method, prefix, path, schema, handler, config);
}

/** Registers an endpoint the specification versions under `/_matrix/client/v1` (no legacy alias). */
export const clientV1Route: Register = underPrefix('/_matrix/client/v1');

/**
 * Registers an endpoint also under `/_matrix/client/unstable`, where clients written before it
 * was stable still call it (Element's first cross-signing upload): the same handler, no other change.
 */
export const clientUnstableRoute: Register = underPrefix('/_matrix/client/unstable');
