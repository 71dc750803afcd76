/**
 * The part of an event that the room version 11 authorisation rules read, and the room state
 * they read it from. Deliberately narrower than the full PDU (`src/messenger/events/`): no
 * hashes, signatures, depth or timestamps, because no rule looks at them. Checking that an
 * event is signed by its sender's server happens before the rules run.
 */

export type AuthEvent = {
  /** The event's id. The rules read it only on state events (auth_events name them by id). */
  event_id: string;
  room_id: string;
  type: string;
  /** Present exactly when the event is a state event; `""` is a state key. */
  state_key?: string;
  sender: string;
  content: Readonly<Record<string, unknown>>;
  prev_events: readonly string[];
  auth_events: readonly string[];
};

/**
 * The room state an event is authorised against: the state before the event, keyed by
 * `stateMapKey(type, state_key)`. In Watan a room's history has no forks, so this is the
 * room's current state.
 */
export type RoomState = ReadonlyMap<string, AuthEvent>;

/** The key of a state event in a `RoomState`. NUL cannot occur in an event type. */
export function stateMapKey(type: string, stateKey: string): string {
  return `${type}\u0000${stateKey}`;
}

/** The state event with this type and state key, if the room has one. */
export function stateEvent(state: RoomState, type: string, stateKey: string): AuthEvent | undefined {
  const event = state.get(stateMapKey(type, stateKey));
  // A map entry filed under the wrong key is not that state: the rules never trust the key alone.
  return event !== undefined && event.type === type && event.state_key === stateKey ? event : undefined;
}

/** A user's membership (`join`, `invite`, `leave`, `ban`, `knock`), or undefined if they have none. */
export function membershipIn(state: RoomState, userId: string): string | undefined {
  const membership = stateEvent(state, 'm.room.member', userId)?.content.membership;
  return typeof membership === 'string' ? membership : undefined;
}

/**
 * The server name of a user, room or event identifier (`@alice:example.org:8448` →
 * `example.org:8448`), or undefined when it has none. The localpart cannot hold a colon, so
 * the server name is everything after the first one.
 */
export function serverNameOf(identifier: string): string | undefined {
  const colon = identifier.indexOf(':');
  return colon < 0 ? undefined : identifier.slice(colon + 1);
}

const SERVER_NAME = /^(?:\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[[0-9A-Fa-f:.]{2,45}\]|[0-9A-Za-z.-]{1,255})(?::\d{1,5})?$/;

/**
 * Whether a value is a user ID that servers must accept (appendices §User Identifiers,
 * including historical user IDs): `@`, a localpart without `:` or NUL, `:`, a server name,
 * at most 255 bytes in all.
 */
export function isUserId(value: unknown): value is string {
  if (typeof value !== 'string' || !value.startsWith('@')) return false;
  if (Buffer.byteLength(value, 'utf8') > 255) return false;
  const serverName = serverNameOf(value);
  if (serverName === undefined || value.includes('\u0000')) return false;
  return SERVER_NAME.test(serverName);
}
