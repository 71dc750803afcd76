/**
 * The redaction algorithm of room version 11 (rooms/v11 §Redactions): strip every top-level
 * key but the essential ones, and strip `content` to the keys its event type needs for
 * authorisation. Signatures cover the redacted event and event ids hash it, so this list
 * must match every other server's byte for byte.
 */
import type { EventObject, JsonObject } from './pdu.ts';

/** The top-level keys a redacted event keeps. */
export const REDACTION_KEPT_KEYS = [
  'event_id',
  'type',
  'room_id',
  'sender',
  'state_key',
  'content',
  'hashes',
  'signatures',
  'depth',
  'prev_events',
  'auth_events',
  'origin_server_ts',
] as const;

export type RedactionKeptKey = (typeof REDACTION_KEPT_KEYS)[number];

/**
 * The redacted form of E: only E's kept keys, and whatever content survived. An event typed
 * only as a JSON object (an index signature) stays one.
 */
export type Redacted<E> = string extends keyof E
  ? { [key: string]: unknown; content: JsonObject }
  : Omit<Pick<E, Extract<keyof E, RedactionKeptKey>>, 'content'> & { content: JsonObject };

/**
 * Content keys kept per event type. `m.room.create` keeps all of its content and
 * `m.room.member` also keeps `third_party_invite.signed`; both are handled in redactContent.
 * A Map, not an object, so an event type such as "constructor" finds nothing.
 */
const CONTENT_KEPT_KEYS: ReadonlyMap<string, readonly string[]> = new Map([
  ['m.room.member', ['membership', 'join_authorised_via_users_server']],
  ['m.room.join_rules', ['join_rule', 'allow']],
  ['m.room.power_levels', ['ban', 'events', 'events_default', 'invite', 'kick', 'redact', 'state_default', 'users', 'users_default']],
  ['m.room.history_visibility', ['history_visibility']],
  ['m.room.redaction', ['redacts']],
]);

/**
 * The redacted copy of an event; the event itself is not changed. The copy always has a
 * `content` object, empty when the type keeps nothing (or the event had no object there).
 * Kept values are deep copies.
 */
export function redact<E extends EventObject>(event: E): Redacted<E> {
  return redactedWith(event, structuredClone);
}

/**
 * The redacted form sharing the event's own values, for encoding at once (the reference
 * hash): neither it nor the event may be changed while it is in use.
 */
export function redactedView<E extends EventObject>(event: E): Redacted<E> {
  return redactedWith(event, (value) => value);
}

function redactedWith<E extends EventObject>(event: E, copy: <T>(value: T) => T): Redacted<E> {
  const redacted: Record<string, unknown> = {};
  for (const key of REDACTION_KEPT_KEYS) {
    if (key !== 'content' && Object.hasOwn(event, key) && event[key] !== undefined) redacted[key] = copy(event[key]);
  }
  redacted.content = redactContent(event.type, event.content, copy);
  return redacted as Redacted<E>;
}

function redactContent(type: unknown, content: unknown, copy: <T>(value: T) => T): JsonObject {
  if (!isObject(content) || typeof type !== 'string') return {};
  if (type === 'm.room.create') return copy(content) as JsonObject;
  const kept: JsonObject = {};
  for (const key of CONTENT_KEPT_KEYS.get(type) ?? []) {
    if (Object.hasOwn(content, key) && content[key] !== undefined) kept[key] = copy(content[key]) as JsonObject[string];
  }
  if (type === 'm.room.member' && isObject(content.third_party_invite)) {
    // "no longer redacted, but will only contain the signed key after redaction" (rooms/v11).
    const invite = content.third_party_invite;
    kept.third_party_invite = Object.hasOwn(invite, 'signed') ? { signed: copy(invite.signed) as JsonObject[string] } : {};
  }
  return kept;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
