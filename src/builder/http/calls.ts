import type { FastifyRequest } from 'fastify';
import { authenticate } from '../../messenger/index.ts';
import { ApiError } from '../../node/index.ts';
import { AppError, CanonicalJsonError, InvalidCommandError, type JsonValue, newCommandId, type Subnet } from '../../subnet/index.ts';

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

/** Runs a builder method through the log; its refusal becomes the node's JSON error with its details. */
export async function runBuilder<T>(subnet: Subnet, method: string, args: Record<string, unknown>, caller: string): Promise<T> {
  let result: Awaited<ReturnType<Subnet['submit']>>;
  try {
    result = await subnet.submit({ id: newCommandId(), app: 'builder', method, args: args as JsonValue, caller });
  } catch (error) {
    if (error instanceof CanonicalJsonError || error instanceof InvalidCommandError) throw new ApiError(400, 'INVALID', error.message);
    throw error;
  }
  if (result.ok) return result.value as T;
  throw refusal(result.error.code, result.error.message, result.error.details);
}

export function askBuilder<T>(subnet: Subnet, name: string, args: Record<string, unknown>, caller: string): T {
  try {
    return subnet.query('builder', name, args, caller) as T;
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
