import { randomFillSync } from 'node:crypto';
import { canonicalJsonBytes, type JsonValue } from './canonical-json.ts';

/**
 * A command is the unit the log orders and every replica executes. It is made at ingress,
 * which authenticates the caller and stamps the time; nothing in it may be secret, because
 * every replica, auditor and backup holds the log.
 */
export interface Command {
  /** Idempotency key: appending the same id twice yields the first result. */
  id: string;
  app: string;
  method: string;
  /** Who asked, as authenticated by ingress (a Matrix user id, a node id, `system`). */
  caller: string;
  args: JsonValue;
  /** Ingress wall-clock time in milliseconds since the epoch. */
  time: number;
}

export class InvalidCommandError extends Error {
  override name = 'InvalidCommandError';
}

const NAME = /^[a-z][a-z0-9_.-]{0,63}$/;
const ID = /^[A-Za-z0-9._~:@+/=-]{1,200}$/;

/** Checks a command's envelope before it may enter the log. */
export function validateCommand(command: Command): void {
  if (typeof command.id !== 'string' || !ID.test(command.id)) {
    throw new InvalidCommandError('command id must be 1-200 characters of letters, digits and ._~:@+/=-');
  }
  if (typeof command.app !== 'string' || !NAME.test(command.app)) {
    throw new InvalidCommandError(`command app "${command.app}" must be a lower-case name`);
  }
  if (typeof command.method !== 'string' || !NAME.test(command.method)) {
    throw new InvalidCommandError(`command method "${command.method}" must be a lower-case name`);
  }
  if (typeof command.caller !== 'string' || command.caller.length === 0 || command.caller.length > 255) {
    throw new InvalidCommandError('command caller must be a non-empty string of at most 255 characters');
  }
  if (!Number.isSafeInteger(command.time) || command.time < 0) {
    throw new InvalidCommandError('command time must be a non-negative integer of milliseconds');
  }
  assertNoPlaintextSecrets(command.args, 'args');
}

// Names under which a plaintext secret would travel, in snake_case or camelCase. A value that
// has been hashed at ingress travels under a name that says so (`password_hash`, `tokenHash`).
const SECRET_NAME = /(^|_)(password|passphrase|secret|token|pin|private_key|secret_key|api_key)$/;
const HASHED_NAME = /(hash|_sha256|_hmac)$/;

function snakeCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/**
 * Refuses arguments that look like they carry a secret in the clear (DESIGN.md §3: the log
 * holds only hashes of secrets). A guard against a mistake in ingress code, not an attacker.
 */
export function assertNoPlaintextSecrets(value: unknown, path: string): void {
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) assertNoPlaintextSecrets(item, `${path}[${i}]`);
    return;
  }
  for (const [key, inner] of Object.entries(value)) {
    const name = snakeCase(key);
    if (SECRET_NAME.test(name) && !HASHED_NAME.test(name) && inner !== null && inner !== undefined) {
      throw new InvalidCommandError(`${path}.${key} looks like a plaintext secret; hash it at ingress and send it as ${key}_hash`);
    }
    assertNoPlaintextSecrets(inner, `${path}.${key}`);
  }
}

export function encodeCommand(command: Command): Buffer {
  const { id, app, method, caller, args, time } = command;
  return canonicalJsonBytes({ id, app, method, caller, args, time });
}

export function decodeCommand(bytes: Uint8Array): Command {
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as Command;
}

const idPool = Buffer.alloc(16 * 256);
let idPoolOffset = idPool.length;

/**
 * A fresh command id: a UUIDv7 (RFC 9562), time-ordered, so ids made by ingress land at the
 * end of the executor's id index instead of scattering writes across it, with 74 random
 * bits so an id cannot be guessed. Made at ingress, never in the executor.
 */
export function newCommandId(now = Date.now()): string {
  if (idPoolOffset === idPool.length) {
    randomFillSync(idPool);
    idPoolOffset = 0;
  }
  const bytes = idPool.subarray(idPoolOffset, idPoolOffset + 16);
  idPoolOffset += 16;
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = 0x70 | ((bytes[6] as number) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] as number) & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
