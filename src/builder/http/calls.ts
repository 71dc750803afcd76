import type { FastifyRequest } from 'fastify';
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

/** The HTTP status of each refusal the builder app makes; its code is the node's own error code. */
const STATUS: Record<string, number> = {
  INVALID: 400,
  INVALID_SPEC: 400,
  INVALID_ARGS: 400,
  INVALID_TRANSITION: 409,
  FORBIDDEN: 403,
  NOT_LICENSED: 403,
  NOT_VERIFIED: 403,
  NOT_A_BUILDER: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  APP_EXISTS: 409,
  UNCHANGED: 409,
  CONFIRMATION_NEEDED: 409,
  QUOTA_REACHED: 409,
  CAPACITY_REACHED: 409,
};

/** The caller's user id from their messenger access token, refused with the node's own error. */
export function callerOf(request: FastifyRequest, subnet: Subnet): string {
  try {
    return authenticate(request, subnet).userId;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) throw new ApiError(401, 'UNAUTHENTICATED', error.message);
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
    if (error instanceof CanonicalJsonError || error instanceof InvalidCommandError) throw new ApiError(400, 'INVALID', error.message);
    throw error;
  }
  if (result.ok) return result.value as ReturnType<Builder['methods'][M]['run']>;
  throw refusal(result.error.code, result.error.message, result.error.details);
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
    if (error instanceof AppError) throw refusal(error.code, error.message, error.details);
    throw error;
  }
}

function refusal(code: string, message: string, details: JsonValue | undefined): ApiError {
  const extra = details !== null && typeof details === 'object' && !Array.isArray(details) ? details : {};
  const status = STATUS[code];
  if (status === undefined) return new ApiError(500, 'INTERNAL', `the builder refused with an unexpected code ${code}: ${message}`);
  return new ApiError(status, code, message, extra);
}
