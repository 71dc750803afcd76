import type { FastifyError, FastifyInstance } from 'fastify';
import { ApiError } from '../../../node/index.ts';
import { AppError, CanonicalJsonError, InvalidCommandError, type JsonValue, newCommandId, type Subnet } from '../../../subnet/index.ts';

/**
 * Every refusal the licence and people routes answer, with its HTTP status chosen once. These
 * are the node's own codes, not Matrix ones: this is not the Matrix API.
 */
const STATUS = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_VERIFIED: 403,
  NOT_LICENSED: 403,
  NOT_A_BUILDER: 403,
  APPROVALS_INSUFFICIENT: 403,
  NOT_FOUND: 404,
  EXISTS: 409,
  APP_EXISTS: 409,
  ALREADY_LICENSED: 409,
  ALREADY_REVOKED: 409,
  POOL_EXHAUSTED: 409,
  POOL_BELOW_ASSIGNED: 409,
  QUOTA_REACHED: 409,
  UNKNOWN_ROLE: 400,
  INVALID_ARGS: 400,
  NOT_JSON: 400,
  NOT_INITIALISED: 503,
} as const;

export type BuilderErrorCode = keyof typeof STATUS;

/** The HTTP status of each refusal code the licence and people parts raise (for routes elsewhere that call them). */
export const builderErrorStatus: Readonly<Record<BuilderErrorCode, number>> = STATUS;

function isCode(code: string): code is BuilderErrorCode {
  return Object.hasOwn(STATUS, code);
}

export function builderError(code: BuilderErrorCode, message: string): ApiError {
  return new ApiError(STATUS[code], code, message);
}

/** Runs a method of the `builder` app through the log; its value, or the refusal as the node's JSON error. */
export async function runBuilderCommand<T>(subnet: Subnet, method: string, args: Record<string, unknown>, caller: string): Promise<T> {
  let result: Awaited<ReturnType<Subnet['submit']>>;
  try {
    result = await subnet.submit({ id: newCommandId(), app: 'builder', method, args: args as JsonValue, caller });
  } catch (error) {
    if (error instanceof CanonicalJsonError || error instanceof InvalidCommandError) throw builderError('INVALID_ARGS', error.message);
    throw error;
  }
  if (result.ok) return result.value as T;
  throw refusal(method, result.error.code, result.error.message);
}

/** Runs a query of the `builder` app against this replica's state, with the same errors. */
export function runBuilderQuery<T>(subnet: Subnet, name: string, args: Record<string, unknown>, caller: string): T {
  try {
    return subnet.query('builder', name, args, caller) as T;
  } catch (error) {
    if (error instanceof AppError) throw refusal(name, error.code, error.message);
    throw error;
  }
}

function refusal(what: string, code: string, message: string): Error {
  if (!isCode(code)) return new Error(`builder.${what} failed with ${code}: ${message}`);
  return builderError(code, message);
}

/**
 * Errors inside the scope of these routes in the node's own codes: a schema violation is
 * INVALID_ARGS, a body that is not JSON is NOT_JSON, a missing or unknown access token is
 * UNAUTHENTICATED. Anything else goes to the node's handler.
 */
export function useBuilderErrors(scope: FastifyInstance): void {
  scope.setErrorHandler((error: FastifyError | ApiError | Error, _request, reply) => {
    if (error instanceof ApiError) {
      const code = error.errcode === 'M_MISSING_TOKEN' || error.errcode === 'M_UNKNOWN_TOKEN' ? 'UNAUTHENTICATED' : error.errcode;
      return reply.code(error.status).send({ errcode: code, error: error.message });
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
    throw error;
  });
}
