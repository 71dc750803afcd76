import Type from 'typebox';
import { type AppStore, type QueryContext, query } from '../../subnet/index.ts';
import { type JsonObject, type Pdu, toClientEvent } from '../events/index.ts';
import { accountDataEvents } from './account-data.ts';
import { pushRulesContent } from './push-rules.ts';
import { receiptEvent } from './receipts.ts';
import type { EventRow } from './room-tables.ts';
import { canSee } from './visibility.ts';

/** An event as a room section of /sync carries it: the client event without `room_id`. */
export interface SyncEvent {
  event_id: string;
  type: string;
  sender: string;
  content: JsonObject;
  origin_server_ts: number;
  state_key?: string;
  unsigned?: JsonObject;
}

export interface JoinedRoomSync {
  state: { events: SyncEvent[] };
  timeline: { events: SyncEvent[]; limited: boolean; prev_batch: string };
  ephemeral: { events: { type: string; content: JsonObject }[] };
  account_data: { events: { type: string; content: JsonObject }[] };
  unread_notifications: { notification_count: number; highlight_count: number };
}

export interface RoomsSync {
  /** The stream position this answer is complete up to: the next `since`. */
  position: number;
  /** The user's global account data that changed. */
  account_data: { type: string; content: JsonObject }[];
  join: Record<string, JoinedRoomSync>;
  invite: Record<string, { invite_state: { events: Omit<SyncEvent, 'event_id' | 'origin_server_ts' | 'unsigned'>[] } }>;
  leave: Record<string, { state: { events: SyncEvent[] }; timeline: { events: SyncEvent[]; limited: boolean; prev_batch: string } }>;
}

/** The state an invited user may see before joining (client-server §Stripped state). */
const STRIPPED_STATE_TYPES = [
  'm.room.create',
  'm.room.join_rules',
  'm.room.name',
  'm.room.avatar',
  'm.room.canonical_alias',
  'm.room.encryption',
  'm.room.topic',
];

/**
 * The room sections of a /sync for the caller: every room they are joined to, invited to or
 * have left since `since` (a stream position), with the timeline after `since` (at most
 * `limit` events, the newest) and the state the timeline does not already say.
 */
export const syncQueries = {
  /** The rooms whose news a waiting sync of the caller must wake for: every room they have a membership in. */
  sync_rooms_of: query(Type.Object({}, { additionalProperties: false }), (ctx) =>
    ctx.store
      .select<{ room_id: string }>('SELECT room_id FROM {memberships} WHERE user_id = ? ORDER BY room_id', ctx.caller)
      .map((row) => row.room_id),
  ),
  /** Which of `user_ids` share a joined room with the caller: whose presence the caller may see. */
  users_sharing_a_room: query(
    Type.Object({ user_ids: Type.Array(Type.String({ maxLength: 255 }), { maxItems: 1000 }) }, { additionalProperties: false }),
    (ctx, args) =>
      args.user_ids.length === 0
        ? []
        : ctx.store
            .select<{ user_id: string }>(
              `SELECT DISTINCT theirs.user_id FROM {memberships} mine JOIN {memberships} theirs ON theirs.room_id = mine.room_id
               WHERE mine.user_id = ? AND mine.membership = 'join' AND theirs.membership = 'join'
               AND theirs.user_id IN (SELECT value FROM json_each(?)) ORDER BY theirs.user_id`,
              ctx.caller,
              JSON.stringify(args.user_ids),
            )
            .map((row) => row.user_id),
  ),
  sync_rooms: query(
    Type.Object(
      { since: Type.Optional(Type.Integer({ minimum: 0 })), limit: Type.Integer({ minimum: 1, maximum: 1000 }), device_id: Type.String() },
      { additionalProperties: false },
    ),
    (ctx, args) => {
      const position = ctx.store.get<{ name: string; value: number }>('counters', 'stream')?.value ?? 0;
      // A token from a replica further along: nothing here is new to this client yet.
      if (args.since !== undefined && args.since > position)
        return { position: args.since, account_data: [], join: {}, invite: {}, leave: {} };
      const since = args.since;
      const result: RoomsSync = {
        position,
        account_data: globalAccountData(ctx.store, ctx.caller, since),
        join: {},
        invite: {},
        leave: {},
      };
      const memberships = ctx.store.select<{
        room_id: string;
        membership: string;
        stream: number;
        event_id: string;
        visible_until: number | null;
      }>(
        // A forgotten room never appears (client-server §Leaving rooms); returning to it clears the mark.
        `SELECT room_id, membership, stream, event_id, visible_until FROM {memberships} WHERE user_id = ?
         AND room_id NOT IN (SELECT room_id FROM {forgotten_rooms} WHERE user_id = ?) ORDER BY room_id`,
        ctx.caller,
        ctx.caller,
      );
      for (const { room_id: roomId, membership, stream, event_id: eventId, visible_until: visibleUntil } of memberships) {
        const changed = since === undefined || stream > since;
        if (membership === 'join') {
          // A room joined after `since` is new to this client: it gets the whole picture.
          const room = joinedRoom(ctx, roomId, changed ? undefined : since, position, args.limit, args.device_id);
          if (room) result.join[roomId] = room;
        } else if (membership === 'invite' && changed) {
          result.invite[roomId] = { invite_state: { events: strippedState(ctx.store, roomId) } };
        } else if ((membership === 'leave' || membership === 'ban') && since !== undefined && changed) {
          // What they could see while joined, or, if they never joined, only the event that ended it.
          const timeline =
            visibleUntil === null
              ? leaveEventOnly(ctx, eventId, args.device_id, stream)
              : timelineOf(ctx, roomId, since, visibleUntil, args.limit, args.device_id);
          result.leave[roomId] = { state: { events: [] }, timeline };
        }
      }
      return result;
    },
  ),
};

/**
 * The global account data for a sync. m.push_rules is always the current effective ruleset,
 * so new server defaults reach clients too, and an initial sync carries it even when the user
 * never changed a rule.
 */
function globalAccountData(store: AppStore, userId: string, since: number | undefined): { type: string; content: JsonObject }[] {
  const pushRules = () => ({ type: 'm.push_rules', content: pushRulesContent(store, userId) as unknown as JsonObject });
  const events = accountDataEvents(store, userId, '', since).map((event) => (event.type === 'm.push_rules' ? pushRules() : event));
  if (since === undefined && !events.some((event) => event.type === 'm.push_rules')) events.push(pushRules());
  return events;
}

function joinedRoom(
  ctx: QueryContext,
  roomId: string,
  since: number | undefined,
  position: number,
  limit: number,
  deviceId: string,
): JoinedRoomSync | undefined {
  const timeline = timelineOf(ctx, roomId, since ?? 0, position, limit, deviceId);
  const receipts = receiptEvent(ctx.store, roomId, since, ctx.caller);
  const accountData = accountDataEvents(ctx.store, ctx.caller, roomId, since);
  if (since !== undefined && timeline.events.length === 0 && receipts === null && accountData.length === 0) return undefined;
  const inTimeline = new Set(timeline.events.map((event) => event.event_id));
  const firstInTimeline = timeline.events[0] ? streamOf(ctx.store, timeline.events[0].event_id) : position + 1;
  // State the timeline does not carry: all of it for a new room, else what changed before the timeline began.
  const state = ctx.store
    .select<EventRow>(
      'SELECT e.* FROM {room_state} s JOIN {events} e ON e.event_id = s.event_id WHERE s.room_id = ? AND e.stream > ? AND e.stream < ? ORDER BY e.stream',
      roomId,
      since ?? 0,
      firstInTimeline,
    )
    .filter((row) => !inTimeline.has(row.event_id))
    .map((row) => syncEventOf(row, deviceId));
  return {
    state: { events: state },
    timeline,
    ephemeral: { events: receipts ? [receipts] : [] },
    account_data: { events: accountData },
    unread_notifications: { notification_count: 0, highlight_count: 0 },
  };
}

/** The newest `limit` events of a room in (after, until], oldest first. */
function timelineOf(ctx: QueryContext, roomId: string, after: number, until: number, limit: number, deviceId: string) {
  const rows = ctx.store.select<EventRow>(
    'SELECT * FROM {events} WHERE room_id = ? AND stream > ? AND stream <= ? ORDER BY stream DESC LIMIT ?',
    roomId,
    after,
    until,
    limit + 1,
  );
  const limited = rows.length > limit;
  const events = rows
    .slice(0, limit)
    .reverse()
    .filter((row) => canSee(ctx.store, ctx.caller, row));
  const first = events[0];
  return {
    events: events.map((row) => syncEventOf(row, deviceId, ctx.store)),
    limited,
    prev_batch: `s${first ? first.stream - 1 : until}`,
  };
}

function leaveEventOnly(ctx: QueryContext, eventId: string, deviceId: string, stream: number) {
  const row = ctx.store.get<EventRow>('events', eventId);
  return { events: row ? [syncEventOf(row, deviceId, ctx.store)] : [], limited: false, prev_batch: `s${stream - 1}` };
}

function streamOf(store: AppStore, eventId: string): number {
  return store.get<EventRow>('events', eventId)?.stream ?? 0;
}

function strippedState(store: AppStore, roomId: string) {
  const rows = store.select<EventRow>(
    `SELECT e.* FROM {room_state} s JOIN {events} e ON e.event_id = s.event_id WHERE s.room_id = ? AND (s.type IN (${STRIPPED_STATE_TYPES.map(() => '?').join(', ')}) OR s.type = 'm.room.member') ORDER BY e.stream`,
    roomId,
    ...STRIPPED_STATE_TYPES,
  );
  return rows
    .filter((row) => row.type !== 'm.room.member' || (JSON.parse(row.pdu) as Pdu).content.membership === 'invite')
    .map((row) => {
      const pdu = JSON.parse(row.pdu) as Pdu;
      return { type: pdu.type, state_key: pdu.state_key ?? '', sender: pdu.sender, content: pdu.content };
    });
}

function syncEventOf(row: EventRow, deviceId: string, store?: AppStore): SyncEvent {
  const ownTransaction = row.txn_device === deviceId && row.txn_id !== null;
  const redaction = row.redacted_by !== null && store ? store.get<EventRow>('events', row.redacted_by) : undefined;
  const unsigned: JsonObject = {
    ...(ownTransaction ? { transaction_id: row.txn_id as string } : {}),
    ...(redaction ? { redacted_because: syncEventOf(redaction, deviceId) as unknown as JsonObject } : {}),
  };
  // The client format, as everywhere else, less the room id the sync section already names.
  const { room_id: _roomId, ...event } = toClientEvent(
    JSON.parse(row.pdu) as Pdu,
    row.event_id,
    Object.keys(unsigned).length > 0 ? unsigned : undefined,
  );
  return event;
}
