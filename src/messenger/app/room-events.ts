import { type AppContext, AppError, CanonicalJsonError, canonicalJson } from '../../subnet/index.ts';
import { eventIdOf, type JsonObject, type Pdu, redact, withContentHash } from '../events/index.ts';
import { authEventsFor, authorize, stateEvent } from '../rooms/index.ts';
import { checkRelation, indexRelation, unindexRelation } from './relations.ts';
import { forgetParsedEvents, StoredRoomState } from './room-state.ts';
import { type EventRow, type RoomRow, streamHead } from './room-tables.ts';
import { historyVisibility } from './visibility.ts';

/** The specification's limit on a whole event, as canonical JSON (client-server §Size limits). */
export const MAX_EVENT_BYTES = 65_536;

export interface EventDraft {
  type: string;
  state_key?: string;
  sender: string;
  content: JsonObject;
  /** The client's transaction, for a message sent with PUT /send. */
  txn?: { device_id: string; txn_id: string };
}

export interface AppendedEvent {
  event_id: string;
  stream: number;
}

/**
 * Builds the room's next event (its only `prev_event` is the room's head, as one subnet never
 * forks a room), authorises it by the room version 11 rules against the current state, and
 * stores it. A refused event is an `M_FORBIDDEN` with the rule's reason.
 */
export function appendEvent(ctx: AppContext, roomId: string, draft: EventDraft): AppendedEvent {
  if (draft.txn) {
    const earlier = ctx.store.get<{ event_id: string }>('transactions', { user_id: draft.sender, ...draft.txn });
    if (earlier) return { event_id: earlier.event_id, stream: ctx.store.get<EventRow>('events', earlier.event_id)?.stream ?? 0 };
  }
  const room = ctx.store.get<RoomRow>('rooms', roomId);
  if (!room && draft.type !== 'm.room.create') throw new AppError('M_NOT_FOUND', `there is no room ${roomId}`);
  const state = new StoredRoomState(ctx.store, roomId);
  const unhashed = {
    auth_events: authEventsFor(draft, state).map((event) => event.event_id),
    content: draft.content,
    depth: (room?.depth ?? 0) + 1,
    origin_server_ts: ctx.time,
    prev_events: room ? [room.head_event_id] : [],
    room_id: roomId,
    sender: draft.sender,
    signatures: {},
    ...(draft.state_key === undefined ? {} : { state_key: draft.state_key }),
    type: draft.type,
  };
  const pdu = hashed(unhashed);
  const eventId = eventIdOf(pdu);
  const encoded = canonicalJson(pdu);
  if (Buffer.byteLength(encoded) > MAX_EVENT_BYTES) {
    throw new AppError('M_TOO_LARGE', `the event is ${Buffer.byteLength(encoded)} bytes; events may be at most ${MAX_EVENT_BYTES}`);
  }
  const verdict = authorize({ ...pdu, event_id: eventId }, state);
  if (!verdict.allowed) throw new AppError('M_FORBIDDEN', verdict.reason);
  checkRelation(ctx.store, draft);
  const visibility = historyVisibility(stateEvent(state, 'm.room.history_visibility', '')?.content.history_visibility);
  const stream = nextStream(ctx);
  ctx.store.insert('events', {
    event_id: eventId,
    room_id: roomId,
    stream,
    type: draft.type,
    state_key: draft.state_key ?? null,
    sender: draft.sender,
    pdu: encoded,
    txn_device: draft.txn?.device_id ?? null,
    txn_id: draft.txn?.txn_id ?? null,
    redacted_by: null,
    visibility,
  });
  if (draft.state_key !== undefined)
    ctx.store.put('room_state', { room_id: roomId, type: draft.type, state_key: draft.state_key, event_id: eventId });
  if (draft.type === 'm.room.member' && draft.state_key !== undefined)
    recordMembership(ctx, roomId, draft.state_key, String(draft.content.membership), eventId, stream);
  indexRelation(ctx, roomId, eventId, draft, stream);
  if (draft.txn) ctx.store.insert('transactions', { user_id: draft.sender, ...draft.txn, event_id: eventId });
  if (room) ctx.store.update('rooms', roomId, { head_event_id: eventId, depth: pdu.depth });
  return { event_id: eventId, stream };
}

/**
 * Keeps a user's membership row: `stream` moves only when the membership changes value (a new
 * display name is not a new membership), and leaving a join fixes how far they may read.
 */
function recordMembership(ctx: AppContext, roomId: string, userId: string, membership: string, eventId: string, stream: number): void {
  const previous = ctx.store.get<{ membership: string; stream: number; visible_until: number | null }>('memberships', {
    user_id: userId,
    room_id: roomId,
  });
  const changed = previous?.membership !== membership;
  const visibleUntil =
    previous?.membership === 'join' && membership !== 'join' ? stream : membership === 'join' ? null : (previous?.visible_until ?? null);
  ctx.store.insert('membership_log', { room_id: roomId, user_id: userId, stream, membership });
  ctx.store.put('memberships', {
    user_id: userId,
    room_id: roomId,
    membership,
    event_id: eventId,
    stream: changed ? stream : (previous?.stream ?? stream),
    visible_until: visibleUntil,
  });
  // Returning to a forgotten room (client-server §Leaving rooms) brings it back.
  if (membership === 'join' || membership === 'invite' || membership === 'knock') {
    ctx.store.delete('forgotten_rooms', { user_id: userId, room_id: roomId });
  }
}

/**
 * Applies an accepted redaction to its target (rooms/v11 §Handling redactions): the stored
 * event becomes its redacted form, for its state too, and remembers what redacted it; its
 * relation goes with its content.
 */
export function applyRedaction(ctx: AppContext, roomId: string, redactionId: string, targetId: string): void {
  const target = ctx.store.get<EventRow>('events', targetId);
  if (!target || target.room_id !== roomId || target.redacted_by !== null) return;
  const redacted = redact(JSON.parse(target.pdu) as Pdu);
  forgetParsedEvents();
  ctx.store.update('events', targetId, { pdu: canonicalJson(redacted), redacted_by: redactionId });
  unindexRelation(ctx, targetId);
}

/** Records a new room's row once its create event exists. */
export function recordRoom(ctx: AppContext, roomId: string, createEventId: string, creator: string, visibility: string): void {
  ctx.store.insert('rooms', {
    room_id: roomId,
    version: '11',
    creator,
    created_at: ctx.time,
    head_event_id: createEventId,
    depth: 1,
    visibility,
  });
}

/** The event with its content hash; content JSON cannot carry canonically (a float) is the client's error. */
function hashed(event: Omit<Pdu, 'hashes'>): Pdu {
  try {
    return withContentHash(event) as Pdu;
  } catch (error) {
    if (error instanceof CanonicalJsonError)
      throw new AppError('M_BAD_JSON', `the event cannot be encoded as canonical JSON: ${error.message}`);
    throw error;
  }
}

/** The next position in the subnet-wide stream. */
export function nextStream(ctx: AppContext): number {
  const value = streamHead(ctx.store) + 1;
  ctx.store.put('counters', { name: 'stream', value });
  return value;
}
