import { Ajv } from 'ajv';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { DivergenceError } from '../subnet/index.ts';
import { ApiError } from './api-error.ts';
import { answerClientError, type ConnectionLimits, DEFAULT_CONNECTION_LIMITS, limitConnections } from './connections.ts';
import type { NodeContext, NodePart, RouteReplyConfig } from './context.ts';
import { useBoundedJsonBodies } from './json-body.ts';
import { RequestLogger } from './logger.ts';
import { withholdTooDeepContent } from './reply-depth.ts';
import { registerAdmissions } from './routes/admissions.ts';
import { registerCheckpoint } from './routes/checkpoint.ts';
import { registerHealth } from './routes/health.ts';
import { registerMetrics } from './routes/metrics.ts';
import { registerRegistry } from './routes/registry.ts';
import { registerResults } from './routes/results.ts';
import { registerSnapshot } from './routes/snapshot.ts';

/**
 * Bodies are validated as sent: a number where the schema wants a string is the client's
 * error (M_BAD_JSON), not something to convert. Query strings and path parameters arrive as
 * text, so there the validator may coerce ("5" for an integer).
 */
const strictAjv = new Ajv({ coerceTypes: false, useDefaults: true, strict: false, allErrors: false });
const coercingAjv = new Ajv({ coerceTypes: 'array', useDefaults: true, strict: false, allErrors: false });

/** What a diverged replica still answers: its health, its metrics and the certificates it holds. */
const STILL_SERVED_WHEN_DIVERGED = new Set(['/_watan/v1/health', '/metrics', '/_watan/v1/checkpoint']);

/** Request bodies above this are refused before parsing (media uploads get their own limit). */
const BODY_LIMIT = 1024 * 1024;

/** The node's HTTP face: Watan's own API, metrics, and the apps' routes as parts add them. */
export function buildServer(
  node: NodeContext,
  logger: Logger,
  parts: readonly NodePart[] = [],
  connectionLimits: ConnectionLimits = DEFAULT_CONNECTION_LIMITS,
): FastifyInstance {
  const app: FastifyInstance = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    childLoggerFactory: (parent, bindings, options) =>
      new RequestLogger(parent as Logger, bindings, options as { level?: string }) as unknown as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT,
    // Fastify's own answer while closing is `{"error":"Service Unavailable",...}`, which no
    // Matrix client reads; the onRequest hook below answers those requests itself.
    return503OnClosing: false,
    clientErrorHandler: answerClientError(logger as FastifyBaseLogger),
    routerOptions: {
      // Room, event and command ids run long; the router's default cut-off is 100 characters.
      maxParamLength: 1024,
    },
    // Errors the router raises before any route runs (a malformed URL) get the same JSON shape.
    frameworkErrors: (error, _request, reply: FastifyReply) => {
      reply.code(400).send({ errcode: 'M_INVALID_PARAM', error: `malformed request: ${error.message}` });
    },
  });
  limitConnections(app.server, connectionLimits, app.log);
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strictAjv : coercingAjv).compile(schema));
  // The API speaks JSON, nested at most MAX_JSON_DEPTH deep. What does not parse is
  // M_NOT_JSON; any other content type is refused as M_NOT_JSON.
  useBoundedJsonBodies(app);
  app.setErrorHandler(handleError);
  // Every reply is bounded in depth before it is encoded, whatever the route put in it.
  // The hooks every request passes are callback-style: an async hook costs each request a promise.
  app.addHook('preSerialization', (request, _reply, payload, done) => {
    let safe: unknown;
    try {
      safe = withholdTooDeepContent(payload, request.log, (request.routeOptions.config as RouteReplyConfig).replyIsContent === true);
    } catch (error) {
      done(error as Error);
      return;
    }
    done(null, safe);
  });
  // Set as the node starts to stop: requests that still reach it (the next request on a
  // connection that was busy) are refused in the API's shape, and their connection closed.
  let stopping = false;
  app.addHook('preClose', (done) => {
    stopping = true;
    done();
  });
  app.addHook('onRequest', (request, reply, done) => {
    // CORS as the client-server API asks, so browser clients on any origin can call it; an
    // OPTIONS pre-flight is answered before routing.
    reply.header('access-control-allow-origin', '*');
    reply.header('access-control-allow-methods', 'GET, POST, PUT, DELETE, OPTIONS');
    reply.header('access-control-allow-headers', 'X-Requested-With, Content-Type, Authorization');
    if (request.method === 'OPTIONS') {
      reply.code(204).send();
      return;
    }
    if (stopping) {
      reply.header('connection', 'close');
      reply
        .code(503)
        .send({ errcode: 'M_UNKNOWN', error: 'this node is stopping; send the request again, to another replica or once it is back' });
      return;
    }
    // A replica whose state a quorum contradicts serves nothing but what tells operators so.
    const failure = node.subnet.failed;
    if (failure instanceof DivergenceError && !STILL_SERVED_WHEN_DIVERGED.has(pathOf(request.url))) {
      reply.code(503).send({
        errcode: 'M_UNKNOWN',
        error: `this replica stopped serving: its state differs from what a quorum of the subnet certified at block ${failure.block}; use another replica`,
      });
      return;
    }
    done();
  });
  // Every route's path pattern, so a known path asked with the wrong method is a 405, not a 404.
  const known: { method: string; pattern: RegExp }[] = [];
  app.addHook('onRoute', (route) => {
    const pattern = new RegExp(`^${route.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z]+/g, '[^/]+')}$`);
    for (const method of [route.method].flat()) known.push({ method, pattern });
  });
  app.setNotFoundHandler((request, reply) => {
    const path = pathOf(request.url);
    const allowed = [...new Set(known.filter((route) => route.pattern.test(path)).map((route) => route.method))];
    if (allowed.length > 0) {
      reply.header('allow', allowed.join(', '));
      reply
        .code(405)
        .send({ errcode: 'M_UNRECOGNIZED', error: `${request.method} is not allowed on ${path}; use ${allowed.join(' or ')}` });
      return;
    }
    reply.code(404).send({ errcode: 'M_UNRECOGNIZED', error: `unrecognised request: ${request.method} ${path}` });
  });
  for (const register of [
    registerHealth,
    registerCheckpoint,
    registerRegistry,
    registerAdmissions,
    registerResults,
    registerSnapshot,
    registerMetrics,
  ])
    register(app, node);
  for (const part of parts) part.registerRoutes(app, node);
  return app;
}

function handleError(error: FastifyError | ApiError | Error, request: FastifyRequest, reply: FastifyReply): void {
  // A client that hangs up (or is cut off for being too slow) mid-request fails its own
  // request; nobody is there to read the answer, and the node did nothing wrong.
  // (The request stream itself ends destroyed once its body is read; the socket says whether the client is there.)
  if (request.raw.socket?.destroyed) {
    request.log.info({ code: (error as NodeJS.ErrnoException).code }, 'the client closed the connection before the request completed');
    reply.code(400).send({ errcode: 'M_UNKNOWN', error: 'the connection closed before the request completed' });
    return;
  }
  const { status, errcode, message, extra } = classify(error);
  if (status >= 500) request.log.error({ err: error }, 'request failed');
  reply.code(status).send({ errcode, error: message, ...extra });
}

function classify(error: Error): { status: number; errcode: string; message: string; extra: Record<string, unknown> } {
  if (error instanceof ApiError) return { status: error.status, errcode: error.errcode, message: error.message, extra: error.extra };
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    const where = fastifyError.validationContext;
    const errcode = where === 'body' ? 'M_BAD_JSON' : 'M_INVALID_PARAM';
    return {
      status: 400,
      errcode,
      message: `${where ?? 'request'} ${fastifyError.message.replace(/^(body|querystring|params|headers)\/?/, '')}`.trim(),
      extra: {},
    };
  }
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, errcode: 'M_TOO_LARGE', message: `request body exceeds ${BODY_LIMIT} bytes`, extra: {} };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 400, errcode: 'M_NOT_JSON', message: 'send the body as JSON with Content-Type: application/json', extra: {} };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, errcode: 'M_NOT_JSON', message: 'the body is not valid JSON', extra: {} };
  }
  // A JSON syntax error is the client's only when the body parser says so (status 400).
  if (error instanceof SyntaxError && fastifyError.statusCode === 400) {
    return { status: 400, errcode: 'M_NOT_JSON', message: 'the body is not valid JSON', extra: {} };
  }
  const status = fastifyError.statusCode && fastifyError.statusCode >= 400 ? fastifyError.statusCode : 500;
  return { status, errcode: 'M_UNKNOWN', message: status >= 500 ? 'internal error; the node logged it' : error.message, extra: {} };
}

/** A URL without its query string, which may carry an access token and must never be logged. */
export function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}
