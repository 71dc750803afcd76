import { ApiError } from '../../node/index.ts';
import { CanonicalJsonError, InvalidCommandError, type JsonValue, newCommandId, type Subnet } from '../../subnet/index.ts';

/** HTTP status of each refusal the encryption methods make. */
const STATUS: Record<string, number> = {
  M_FORBIDDEN: 403,
  M_NOT_FOUND: 404,
  M_INVALID_PARAM: 400,
  M_MISSING_PARAM: 400,
  M_BAD_JSON: 400,
  INVALID_ARGS: 400,
  // The codes the encryption endpoints name, with what the specification says comes with them.
  M_INVALID_SIGNATURE: 400,
  M_WRONG_ROOM_KEYS_VERSION: 403,
};

/**
 * Runs one of the encryption methods through the log, like runCommand, but keeps the details
 * a refusal carries (`current_version` beside M_WRONG_ROOM_KEYS_VERSION) as fields of the
 * Matrix error, and knows the encryption module's own codes.
 */
export async function runEncryptionCommand<T>(subnet: Subnet, method: string, args: Record<string, unknown>, caller: string): Promise<T> {
  let result: Awaited<ReturnType<Subnet['submit']>>;
  try {
    result = await subnet.submit({ id: newCommandId(), app: 'messenger', method, args: args as JsonValue, caller });
  } catch (error) {
    if (error instanceof CanonicalJsonError || error instanceof InvalidCommandError) throw new ApiError(400, 'M_BAD_JSON', error.message);
    throw error;
  }
  if (result.ok) return result.value as T;
  const { code, message, details } = result.error;
  const status = STATUS[code];
  if (status === undefined) throw new Error(`messenger.${method} failed with ${code}: ${message}`);
  const extra = details !== null && typeof details === 'object' && !Array.isArray(details) ? details : {};
  throw new ApiError(status, code === 'INVALID_ARGS' ? 'M_INVALID_PARAM' : code, message, extra);
}
