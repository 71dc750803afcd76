import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { authenticate } from '../../messenger/index.ts';
import { ApiError } from '../../node/index.ts';
import {
  AppError,
  appClient,
  CanonicalJsonError,
  InvalidCommandError,
  type JsonValue,
  type Subnet,
  type TypedResult,
} from '../../subnet/index.ts';
import { builderApp } from '../app.ts';

/**
 * The HTTP status of every refusal the builder's routes answer, chosen once for the apps,
 * licence and people routes alike. These are the node's own codes, not Matrix ones: this is
 * not the Matrix API.
 */
const STATUS = {
  // The request itself: its shape (INVALID_ARGS), its body (NOT_JSON), its token.
  INVALID_ARGS: 400,
  NOT_JSON: 400,
  UNAUTHENTICATED: 401,
  // What the builder app decides in the executor.
  INVALID: 400,
  INVALID_SPEC: 400,
  UNKNOWN_ROLE: 400,
  FORBIDDEN: 403,
  NOT_LICENSED: 403,
  NOT_VERIFIED: 403,
  NOT_A_BUILDER: 403,
  APPROVALS_INSUFFICIENT: 403,
  NOT_FOUND: 404,
  INVALID_TRANSITION: 409,
  CONFLICT: 409,
  EXISTS: 409,
  APP_EXISTS: 409,
  UNCHANGED: 409,
  CONFIRMATION_NEEDED: 409,
  QUOTA_REACHED: 409,
  CAPACITY_REACHED: 409,
  ALREADY_LICENSED: 409,
  ALREADY_REVOKED: 409,
  POOL_EXHAUSTED: 409,
  POOL_BELOW_ASSIGNED: 409,
  NOT_INITIALISED: 503,
} as const;

export type BuilderErrorCode = keyof typeof STATUS;

/** The HTTP status of each refusal code (for routes elsewhere that call the builder). */
export const builderErrorStatus: Readonly<Record<BuilderErrorCode, number>> = STATUS;

function isCode(code: string): code is BuilderErrorCode {
  return Object.hasOwn(STATUS, code);
}

export function builderError(code: BuilderErrorCode, message: string, extra?: Record<string, unknown>): ApiError {
  return new ApiError(STATUS[code], code, message, extra);
}

/** The caller's user id from their messenger access token, refused with the node's own error. */
export function callerOf(request: FastifyRequest, subnet: Subnet): string {
  try {
    return authenticate(request, subnet).userId;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) throw builderError('UNAUTHENTICATED', error.message);
    throw error;
  }
}

type Builder = typeof builderApp;

/**
 * Runs a builder method through the log, named and typed from the app's definition; its
 * refusal becomes the node's JSON error with its details.
 */
export async function runBuilder<M extends keyof Builder['methods'] & string>(
  subnet: Subnet,
  method: M,
  args: Parameters<Builder['methods'][M]['run']>[1],
  caller: string,
): Promise<ReturnType<Builder['methods'][M]['run']>> {
  let result: TypedResult<unknown>;
  try {
    result = await appClient(subnet, builderApp).run(method, args as never, caller);
  } catch (error) {
    if (error instanceof CanonicalJsonError || error instanceof InvalidCommandError) throw builderError('INVALID_ARGS', error.message);
    throw error;
  }
  if (result.ok) return result.value as ReturnType<Builder['methods'][M]['run']>;
  throw refusal(`builder.${method}`, result.error.code, result.error.message, result.error.details);
}

/** Runs a builder query on this replica, named and typed from the app's definition. */
export function askBuilder<Q extends keyof Builder['queries'] & string>(
  subnet: Subnet,
  name: Q,
  args: Parameters<Builder['queries'][Q]['run']>[1],
  caller: string,
): ReturnType<Builder['queries'][Q]['run']> {
  try {
    return appClient(subnet, builderApp).ask(name, args as never, caller) as ReturnType<Builder['queries'][Q]['run']>;
  } catch (error) {
    if (error instanceof AppError) throw refusal(`builder.${name}`, error.code, error.message, error.details);
    throw error;
  }
}

/** A refusal with a code this table does not know is a bug in the builder, and says where. */
function refusal(what: string, code: string, message: string, details: JsonValue | undefined): Error {
  if (!isCode(code)) return new Error(`${what} refused with an unexpected code ${code}: ${message}`);
  const extra = details !== null && typeof details === 'object' && !Array.isArray(details) ? details : undefined;
  return builderError(code, message, extra);
}

/**
 * Errors inside the scope of the builder's routes in the node's own codes: a schema violation
 * is INVALID_ARGS, a body that is not JSON is NOT_JSON, a missing or unknown access token is
 * UNAUTHENTICATED. Anything else is logged and answered as INTERNAL.
 */
export function useBuilderErrors(scope: FastifyInstance): void {
  scope.setErrorHandler((error: FastifyError | ApiError | Error, request, reply) => {
    if (error instanceof ApiError) {
      const code = error.errcode === 'M_MISSING_TOKEN' || error.errcode === 'M_UNKNOWN_TOKEN' ? 'UNAUTHENTICATED' : error.errcode;
      return reply.code(error.status).send({ errcode: code, error: error.message, ...error.extra });
    }
    const fastifyError = error as FastifyError;
    if (fastifyError.validation) {
      const where = fastifyError.validationContext ?? 'request';
      const message = `${where} ${fastifyError.message.replace(/^(body|querystring|params|headers)\/?/, '')}`.trim();
      return reply.code(400).send({ errcode: 'INVALID_ARGS', error: message });
    }
    const unparsable = fastifyError.code?.startsWith('FST_ERR_CTP_') && fastifyError.code !== 'FST_ERR_CTP_BODY_TOO_LARGE';
    if (unparsable || (error instanceof SyntaxError && fastifyError.statusCode === 400))
      return reply.code(400).send({ errcode: 'NOT_JSON', error: 'send the body as JSON with Content-Type: application/json' });
    if (fastifyError.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500)
      return reply
        .code(fastifyError.statusCode)
        .send({ errcode: fastifyError.statusCode === 413 ? 'TOO_LARGE' : 'INVALID_ARGS', error: fastifyError.message });
    request.log.error({ err: error }, 'builder request failed');
    return reply.code(500).send({ errcode: 'INTERNAL', error: 'internal error; the node logged it' });
  });
}
