import { ApiError } from '../../node/index.ts';
import { type JsonValue, newCommandId, type Subnet } from '../../subnet/index.ts';

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
  INVALID_ARGS: 400,
};

/**
 * Runs a messenger method through the log and answers its value, or throws the Matrix error
 * its refusal maps to. A refusal code the table does not know is a bug, answered as 500.
 */
export async function runCommand<T>(subnet: Subnet, method: string, args: Record<string, unknown>, caller: string): Promise<T> {
  const result = await subnet.submit({ id: newCommandId(), app: 'messenger', method, args: args as JsonValue, caller });
  if (result.ok) return result.value as T;
  const { code, message } = result.error;
  const status = STATUS[code];
  if (status === undefined) throw new Error(`messenger.${method} failed with ${code}: ${message}`);
  throw new ApiError(status, code === 'INVALID_ARGS' ? 'M_INVALID_PARAM' : code, message);
}
