import { createHash } from 'node:crypto';
import { ApiError } from '../../node/index.ts';
import { AppError, type JsonValue, newCommandId, type Subnet } from '../../subnet/index.ts';

/** HTTP status for each Matrix error code a messenger method may refuse with. */
const STATUS: Record<string, number> = {
  M_FORBIDDEN: 403,
  M_UNKNOWN_TOKEN: 401,
  M_MISSING_TOKEN: 401,
  M_NOT_FOUND: 404,
  M_USER_IN_USE: 400,
  M_INVALID_USERNAME: 400,
  M_WEAK_PASSWORD: 400,
  M_INVALID_PARAM: 400,
  M_BAD_JSON: 400,
  M_TOO_LARGE: 413,
  M_LIMIT_EXCEEDED: 429,
  M_UNSUPPORTED_ROOM_VERSION: 400,
  INVALID_ARGS: 400,
};

/**
 * Runs a messenger method through the log and answers its value, or throws the Matrix error
 * its refusal maps to. A refusal code the table does not know is a bug, answered as 500.
 */
export function runCommand<T>(subnet: Subnet, method: string, args: Record<string, unknown>, caller: string): Promise<T> {
  return runIdempotent(subnet, newCommandId(), method, args, caller);
}

/** Runs a messenger query against this replica's state, with the same error mapping. */
export function runQuery<T>(subnet: Subnet, name: string, args: Record<string, unknown>, caller: string): T {
  try {
    return subnet.query('messenger', name, args, caller) as T;
  } catch (error) {
    if (error instanceof AppError) throw refusal(name, error.code, error.message);
    throw error;
  }
}

/** Runs a command whose id says what it is, so a client's retry is answered, not repeated. */
export async function runIdempotent<T>(
  subnet: Subnet,
  id: string,
  method: string,
  args: Record<string, unknown>,
  caller: string,
): Promise<T> {
  const result = await subnet.submit({ id, app: 'messenger', method, args: args as JsonValue, caller });
  if (result.ok) return result.value as T;
  throw refusal(method, result.error.code, result.error.message);
}

function refusal(what: string, code: string, message: string): Error {
  const status = STATUS[code];
  if (status === undefined) return new Error(`messenger.${what} failed with ${code}: ${message}`);
  return new ApiError(status, code === 'INVALID_ARGS' ? 'M_INVALID_PARAM' : code, message);
}

/**
 * The command id of a client transaction: the same device retrying the same transaction id
 * makes the same command, which the subnet answers with its first result.
 */
export function transactionCommandId(session: { userId: string; deviceId: string }, txnId: string): string {
  return `txn:${createHash('sha256').update(`${session.userId}\u0000${session.deviceId}\u0000${txnId}`).digest('hex')}`;
}
