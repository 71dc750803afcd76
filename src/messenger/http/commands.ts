import { ApiError } from '../../node/index.ts';
import { AppError, CanonicalJsonError, InvalidCommandError, type JsonValue, type Subnet } from '../../subnet/index.ts';
import { readersFirstOf } from '../sync/readers-first.ts';

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
  M_MISSING_PARAM: 400,
  M_TOO_LARGE: 413,
  M_CANNOT_OVERWRITE_MEDIA: 409,
  M_LIMIT_EXCEEDED: 429,
  M_UNSUPPORTED_ROOM_VERSION: 400,
  M_ROOM_IN_USE: 400,
  M_DUPLICATE_ANNOTATION: 400,
  // The encryption endpoints' own codes.
  M_INVALID_SIGNATURE: 400,
  M_WRONG_ROOM_KEYS_VERSION: 403,
  // The specification's code for a refusal it names no code for (forget while joined, a thread off a relation).
  M_UNKNOWN: 400,
  INVALID_ARGS: 400,
};

/**
 * Runs a messenger method through the log and answers its value, or throws the Matrix error
 * its refusal maps to, with the fields the refusal carries (`current_version` beside
 * M_WRONG_ROOM_KEYS_VERSION). Input the log refuses (JSON canonical form cannot carry, a field
 * named like a secret) is the client's M_BAD_JSON; a refusal code the table does not know is a bug.
 * While syncs woken by an earlier change wait for their turn, the command waits for them first
 * (sync/readers-first.ts).
 */
export async function runCommand<T>(subnet: Subnet, method: string, args: Record<string, unknown>, caller: string): Promise<T> {
  await readersFirstOf(subnet).admitted();
  let result: Awaited<ReturnType<Subnet['submit']>>;
  try {
    result = await subnet.submit({ app: 'messenger', method, args: args as JsonValue, caller });
  } catch (error) {
    if (error instanceof CanonicalJsonError || error instanceof InvalidCommandError) throw new ApiError(400, 'M_BAD_JSON', error.message);
    throw error;
  }
  if (result.ok) return result.value as T;
  const { code, message, details } = result.error;
  throw refusal(method, code, message, details !== null && typeof details === 'object' && !Array.isArray(details) ? details : {});
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

function refusal(what: string, code: string, message: string, extra: Record<string, unknown> = {}): Error {
  const status = STATUS[code];
  if (status === undefined) return new Error(`messenger.${what} failed with ${code}: ${message}`);
  return new ApiError(status, code === 'INVALID_ARGS' ? 'M_INVALID_PARAM' : code, message, extra);
}
