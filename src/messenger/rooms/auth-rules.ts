/**
 * The authorisation rules of room version 11 (rooms/v11 §Authorisation rules), numbered as
 * the specification numbers them. Pure: the verdict depends only on the event and the state
 * passed in, never on time, randomness or the order of the state map.
 *
 * What the caller does first, because these rules cannot:
 * - checks that the event is signed by its sender's server (the sentence before rule 1);
 * - keeps rejected events out of the state (rule 2.3: an auth event cannot be a rejected one).
 *
 * Redactions get no special treatment, as the specification's note says: sending
 * `m.room.redaction` needs the level for that event type (`events`, else `events_default`);
 * the `redact` level is not an auth rule. Whether a redaction is then applied to its target
 * is decided separately (rooms/v11 §Handling redactions).
 */
import { type AuthEvent, membershipIn, type RoomState, serverNameOf, stateEvent } from './auth-event.ts';
import { authEventsFor } from './auth-events.ts';
import { membershipVerdict } from './membership-rules.ts';
import { powerLevelsContentProblem, readPowerLevels, requiredLevel, userLevel } from './power-levels.ts';
import { powerLevelsChangeProblem } from './power-levels-change.ts';
import { ALLOWED, type AuthVerdict, refused } from './verdict.ts';

/** The room versions whose create events this server accepts (rule 1.3). */
export const SUPPORTED_ROOM_VERSIONS: readonly string[] = ['11'];

/**
 * Whether room version 11 allows `event` given `state`, the room's state before it (in
 * Watan, whose rooms do not fork, the current state). The event's `auth_events` must name
 * exactly the state events `authEventsFor(event, state)` picks, so the checks against the
 * auth events and against the state before the event are one check.
 */
export function authorize(event: AuthEvent, state: RoomState): AuthVerdict {
  // 1
  if (event.type === 'm.room.create') return createVerdict(event);
  // 2
  const authEventsProblem = authEventsProblemOf(event, state);
  if (authEventsProblem !== undefined) return refused(authEventsProblem);
  const create = stateEvent(state, 'm.room.create', '');
  if (create === undefined) return refused('the room has no m.room.create event');
  // 3
  const senderServer = serverNameOf(event.sender);
  const creatorServer = serverNameOf(create.sender);
  if (create.content['m.federate'] === false && senderServer !== creatorServer) {
    return refused(`this room does not federate: only users on ${creatorServer} can take part, and ${event.sender} is not one`);
  }
  const levels = readPowerLevels(stateEvent(state, 'm.room.power_levels', ''), create);
  // 4
  if (event.type === 'm.room.member') return membershipVerdict(event, state, create, levels);
  // 5
  const sender = event.sender;
  if (membershipIn(state, sender) !== 'join') return refused(`${sender} is not in the room`);
  const senderLevel = userLevel(levels, sender);
  // 6
  if (event.type === 'm.room.third_party_invite') {
    if (senderLevel >= levels.invite) return ALLOWED;
    return refused(`${sender} has power level ${senderLevel}; inviting needs ${levels.invite}`);
  }
  // 7
  const needed = requiredLevel(levels, event.type, event.state_key !== undefined);
  if (needed > senderLevel) return refused(`${sender} has power level ${senderLevel}; sending ${event.type} needs ${needed}`);
  // 8
  const stateKey = event.state_key;
  if (stateKey?.startsWith('@') && stateKey !== sender) {
    return refused(`the state key ${stateKey} belongs to another user; only ${stateKey} can send ${event.type} with it`);
  }
  // 9
  if (event.type === 'm.room.power_levels') {
    const problem = powerLevelsContentProblem(event.content);
    if (problem !== undefined) return refused(problem);
    const previous = stateEvent(state, 'm.room.power_levels', '');
    if (previous === undefined) return ALLOWED;
    const change = powerLevelsChangeProblem(previous.content, event.content, sender, senderLevel);
    return change === undefined ? ALLOWED : refused(change);
  }
  // 10
  return ALLOWED;
}

// 1
function createVerdict(event: AuthEvent): AuthVerdict {
  if (event.prev_events.length > 0) return refused('m.room.create must be the first event in a room, but this one follows other events');
  const roomServer = serverNameOf(event.room_id);
  const senderServer = serverNameOf(event.sender);
  if (roomServer === undefined || roomServer !== senderServer) {
    return refused(`${event.sender} cannot create ${event.room_id}: a room ID must be on its creator's server`);
  }
  if (Object.hasOwn(event.content, 'room_version')) {
    const version = event.content.room_version;
    if (typeof version !== 'string' || !SUPPORTED_ROOM_VERSIONS.includes(version)) {
      return refused(
        `room version ${JSON.stringify(version)} is not supported; this server makes rooms of version ${SUPPORTED_ROOM_VERSIONS.join(', ')}`,
      );
    }
  }
  return ALLOWED;
}

/**
 * 2: the event's `auth_events` against the auth events selection. Without federation the
 * selection comes from the state passed in, so a listed event must be the current one.
 */
function authEventsProblemOf(event: AuthEvent, state: RoomState): string | undefined {
  const listed = new Set<string>();
  for (const id of event.auth_events) {
    // 2.1 (two ids for one type and state key are caught by 2.2: only one can be current)
    if (listed.has(id)) return `auth_events lists ${id} twice`;
    listed.add(id);
  }
  const selected = authEventsFor(event, state);
  const selectedIds = new Set(selected.map((authEvent) => authEvent.event_id));
  // 2.2
  for (const id of event.auth_events) {
    if (!selectedIds.has(id)) {
      return `auth_events lists ${id}, which is not a current state event that can authorise this ${event.type} event`;
    }
  }
  for (const authEvent of selected) {
    if (!listed.has(authEvent.event_id)) {
      return `auth_events must list the room's current ${describeSlot(authEvent)}, ${authEvent.event_id}`;
    }
  }
  // 2.4
  if (!selected.some((authEvent) => authEvent.type === 'm.room.create')) return 'the room has no m.room.create event';
  // 2.5
  for (const authEvent of selected) {
    if (authEvent.room_id !== event.room_id) {
      return `auth event ${authEvent.event_id} belongs to ${authEvent.room_id}, not to ${event.room_id}`;
    }
  }
  return undefined;
}

function describeSlot(event: AuthEvent): string {
  return event.type === 'm.room.member' ? `m.room.member event for ${event.state_key}` : `${event.type} event`;
}
