import Type from 'typebox';
import { type AppStore, type QueryContext, query } from '../../subnet/index.ts';
import type { JsonObject, Pdu } from '../events/index.ts';
import { eventMatcher, Filter, roomAllowed } from '../filter/index.ts';
import type { PushRuleset } from '../push/index.ts';
import { accountDataStream, membershipStream, receiptStream, roomEventStream, stateStreams } from '../sync/streams/index.ts';
import { formatStreamToken, parseStreamToken } from '../sync/token.ts';
import { accountDataEvents } from './account-data.ts';
import { pushRulesContent } from './push-rules.ts';
import { receiptEvent } from './receipts.ts';
import { type EventRow, joinedMembersOf, joinedRoomsOf, streamHead } from './room-tables.ts';
import { existingStreamNews, type StreamNews, streamChangesAfter } from './sync-news.ts';
import {
  type RoomSectionFilter,
  type RoomSummary,
  roomSectionFilter,
  type SyncEvent,
  stateBefore,
  summaryOf,
  syncEventOf,
  type Timeline,
  timelineOf,
} from './sync-room.ts';
import { type UnreadNotifications, unreadNotifications } from './unread-notifications.ts';

export interface JoinedRoomSync {
  summary?: RoomSummary;
  state: { events: SyncEvent[] };
  timeline: Timeline;
  ephemeral: { events: { type: string; content: JsonObject }[] };
  account_data: { events: { type: string; content: JsonObject }[] };
  unread_notifications: UnreadNotifications;
}

export interface RoomsSync {
  /** The stream position this answer is complete up to: the next `since`. */
  position: number;
  /** The user's global account data that changed. */
  account_data: { type: string; content: JsonObject }[];
  join: Record<string, JoinedRoomSync>;
  invite: Record<string, { invite_state: { events: Omit<SyncEvent, 'event_id' | 'origin_server_ts' | 'unsigned'>[] } }>;
  leave: Record<string, { state: { events: SyncEvent[] }; timeline: Timeline }>;
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
  sync_rooms_of: query(Type.Object({}, { additionalProperties: false }), (ctx) => roomsOfCaller(ctx)),
  /**
   * Whether nothing after `since` concerns the caller: no stream moved for them or for a room
   * they have a membership in (what the notifier wakes their syncs for), as the records tell
   * when they reach back to `since`; without them, whether `since` is the stream's head. A
   * long-poll that is caught up waits before it works out an answer, however busy other rooms are.
   */
  sync_caught_up: query(Type.Object({ since: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }), (ctx, args) => {
    const { since } = args;
    const position = streamHead(ctx.store);
    if (since >= position) return true;
    const records = recordsCovering(ctx.store, since, position);
    if (!records || stateStreams.some((stream) => records.userChanged(stream.name, ctx.caller, since))) return false;
    return !roomsOfCaller(ctx).some((roomId) => stateStreams.some((stream) => records.roomChanged(stream.name, roomId, since)));
  }),
  /** Which of `user_ids` share a joined room with the caller: whose presence the caller may see. */
  users_sharing_a_room: query(
    Type.Object({ user_ids: Type.Array(Type.String({ maxLength: 255 }), { maxItems: 1000 }) }, { additionalProperties: false }),
    (ctx, args) => {
      if (args.user_ids.length === 0) return [];
      // Every presence change asks this for each room-mate's sync: answered from the rooms' members, kept until memberships change.
      const rooms = joinedRoomsOf(ctx.store, ctx.caller).map((roomId) => joinedMembersOf(ctx.store, roomId));
      return [...new Set(args.user_ids)].filter((userId) => rooms.some((members) => members.has(userId))).sort();
    },
  ),
  /**
   * Everyone who shares a joined room with the caller, sorted — or null when their rooms hold
   * more than `at_most` members in all: a sync after many presence changes looks among its
   * room-mates rather than asks about each changed user, when the room-mates are the fewer.
   */
  room_mates: query(
    Type.Object({ at_most: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }),
    (ctx, args): string[] | null => {
      const rooms = joinedRoomsOf(ctx.store, ctx.caller).map((roomId) => joinedMembersOf(ctx.store, roomId));
      if (rooms.reduce((sum, members) => sum + members.size, 0) > args.at_most) return null;
      const mates = new Set<string>();
      for (const members of rooms) for (const userId of members) if (userId !== ctx.caller) mates.add(userId);
      return [...mates].sort();
    },
  ),
  /**
   * What the log's streams changed after position `after`, up to the head: whose waiting syncs
   * to wake. Each stream is asked only when its own position is past `after`.
   */
  stream_changes: query(Type.Object({ after: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }), (ctx, args) =>
    streamChangesAfter(ctx.store, args.after),
  ),
  /** The stream's head: a sync whose token is there has nothing new in the stream to be told. */
  stream_head: query(Type.Object({}, { additionalProperties: false }), (ctx) => streamHead(ctx.store)),
  sync_rooms: query(
    Type.Object(
      {
        since: Type.Optional(Type.Integer({ minimum: 0 })),
        limit: Type.Integer({ minimum: 1, maximum: 1000 }),
        device_id: Type.String(),
        filter: Type.Optional(Filter),
        /** Every joined room with its whole state, the timeline still from `since`. */
        full_state: Type.Optional(Type.Boolean()),
      },
      { additionalProperties: false },
    ),
    (ctx, args) => {
      const position = streamHead(ctx.store);
      // A token from a replica further along: nothing here is new to this client yet.
      if (args.since !== undefined && args.since > position)
        return { position: args.since, account_data: [], join: {}, invite: {}, leave: {} };
      const since = args.since;
      // What the streams recorded as blocks were applied, when it reaches back to `since`.
      const records = since === undefined ? undefined : recordsCovering(ctx.store, since, position);
      const filter = roomSectionFilter(args.filter, args.limit);
      const accountDataAllowed = eventMatcher(args.filter?.account_data);
      const result: RoomsSync = {
        position,
        account_data:
          records && since !== undefined && !records.userChanged(accountDataStream.name, ctx.caller, since)
            ? []
            : globalAccountData(ctx.store, ctx.caller, since).filter(accountDataAllowed),
        join: {},
        invite: {},
        leave: {},
      };
      // Every sync reads them; they change only when someone joins, leaves or forgets a room.
      const memberships = ctx.store.remembered('sync_memberships', ctx.caller, ['memberships', 'forgotten_rooms'], () =>
        ctx.store.select<Readonly<MembershipRow>>(
          // A forgotten room never appears (client-server §Leaving rooms); returning to it clears the mark.
          `SELECT room_id, membership, stream, event_id, visible_until FROM {memberships} WHERE user_id = ?
           AND room_id NOT IN (SELECT room_id FROM {forgotten_rooms} WHERE user_id = ?) ORDER BY room_id`,
          ctx.caller,
          ctx.caller,
        ),
      );
      const rules = lazily(() => pushRulesContent(ctx.store, ctx.caller).global);
      const includeLeave = args.filter?.room?.include_leave === true;
      const active = since === undefined ? undefined : activeRooms(ctx.store, records, ctx.caller, since, position);
      for (const { room_id: roomId, membership, stream, event_id: eventId, visible_until: visibleUntil } of memberships) {
        if (!roomAllowed(roomId, args.filter?.room)) continue;
        const changed = since === undefined || stream > since;
        if (membership === 'join' && !changed && !args.full_state && active && !active(roomId)) continue;
        if (membership === 'join') {
          // A room joined after `since` is new to this client: it gets the whole picture.
          const room = joinedRoom(ctx, roomId, {
            since: changed ? undefined : since,
            position,
            filter,
            deviceId: args.device_id,
            rules,
            fullState: args.full_state === true,
            records,
            joinedAt: stream,
          });
          if (room) result.join[roomId] = room;
        } else if (membership === 'invite' && changed) {
          result.invite[roomId] = { invite_state: { events: strippedState(ctx.store, roomId) } };
        } else if ((membership === 'leave' || membership === 'ban') && changed && (since !== undefined || includeLeave)) {
          // What they could see while joined, or, if they never joined, only the event that ended it.
          if (visibleUntil === null) {
            result.leave[roomId] = { state: { events: [] }, timeline: leaveEventOnly(ctx, eventId, args.device_id, stream) };
            continue;
          }
          const timeline = timelineOf(ctx, roomId, since ?? 0, visibleUntil, filter, args.device_id);
          const state = stateBefore(ctx, roomId, since, startOf(timeline), timeline, filter, args.device_id);
          result.leave[roomId] = { state: { events: state }, timeline };
        }
      }
      return result;
    },
  ),
};

interface MembershipRow {
  room_id: string;
  membership: string;
  stream: number;
  event_id: string;
  visible_until: number | null;
}

/** Every room the caller has a membership in, kept between long-polls while the memberships stream has not moved for them. */
function roomsOfCaller(ctx: QueryContext): string[] {
  const read = () =>
    ctx.store
      .select<{ room_id: string }>('SELECT room_id FROM {memberships} WHERE user_id = ? ORDER BY room_id', ctx.caller)
      .map((row) => row.room_id);
  return upToDate(ctx.store, streamHead(ctx.store))?.news.roomsOf(ctx.caller, membershipStream.name, read) ?? read();
}

/** How far behind the stream a token may be for roomsActiveSince to pay; further back, every room is looked at. */
const ACTIVE_ROOMS_WINDOW = 10_000;

/** Rooms with something after `since` that a member's sync carries, read from the tables. */
function roomsActiveSince(store: AppStore, userId: string, since: number, position: number): Set<string> | undefined {
  if (position - since > ACTIVE_ROOMS_WINDOW) return undefined;
  const rows = store.select<{ room_id: string }>(
    `SELECT room_id FROM {events} WHERE stream > ?
     UNION ALL SELECT room_id FROM {receipts} WHERE stream > ?
     UNION ALL SELECT room_id FROM {account_data} WHERE user_id = ? AND stream > ? AND room_id != ''`,
    since,
    since,
    userId,
    since,
  );
  return new Set(rows.map((row) => row.room_id));
}

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

/** How one joined room's sections are worked out for one reader. */
interface JoinedRoomRequest {
  /** The reader's token; undefined for a room new to the client. */
  since: number | undefined;
  position: number;
  filter: RoomSectionFilter;
  deviceId: string;
  rules: () => PushRuleset;
  fullState: boolean;
  /** What the streams recorded up to `position`, when it reaches back to `since`. */
  records: StreamNews | undefined;
  /** Where the reader's join took effect. */
  joinedAt: number;
}

function joinedRoom(ctx: QueryContext, roomId: string, request: JoinedRoomRequest): JoinedRoomSync | undefined {
  const { since, position, filter, deviceId, records } = request;
  const shared = { records, reader: { membership: 'join', since: request.joinedAt } };
  const timeline = timelineOf(ctx, roomId, since ?? 0, position, filter, deviceId, shared);
  // Receipts and the reader's room account data are read only when their streams moved for this room or reader.
  const receipts =
    records && since !== undefined && !records.roomChanged(receiptStream.name, roomId, since)
      ? null
      : receiptEvent(ctx.store, roomId, since, ctx.caller);
  const accountData =
    records && since !== undefined && !records.userChanged(accountDataStream.name, ctx.caller, since)
      ? []
      : accountDataEvents(ctx.store, ctx.caller, roomId, since).filter(filter.accountData);
  // State comes first: a timeline filter may have left out a state change the client must still hear of.
  const state = stateBefore(ctx, roomId, request.fullState ? undefined : since, startOf(timeline), timeline, filter, deviceId);
  const quiet = timeline.events.length === 0 && state.length === 0 && receipts === null && accountData.length === 0;
  if (since !== undefined && quiet) return undefined;
  const membersChanged =
    since === undefined || request.fullState || [...state, ...timeline.events].some((event) => event.type === 'm.room.member');
  return {
    ...(membersChanged ? { summary: summaryOf(ctx.store, roomId, ctx.caller) } : {}),
    state: { events: state },
    timeline,
    ephemeral: { events: receipts && filter.ephemeral(receipts) ? [receipts] : [] },
    account_data: { events: accountData },
    unread_notifications: unreadNotifications(ctx.store, roomId, ctx.caller, request.rules, upToDate(ctx.store, position)),
  };
}

/** The records of what the streams changed, when they reach `position`: the unread tallies check their own starting points. */
function upToDate(store: AppStore, position: number): { news: StreamNews; position: number } | undefined {
  const news = existingStreamNews(store);
  return news && news.through === position ? { news, position } : undefined;
}

/** The records of what the streams changed, when they reach back to `since` and up to `position`. */
function recordsCovering(store: AppStore, since: number, position: number): StreamNews | undefined {
  const records = existingStreamNews(store);
  return records?.covers(since, position) ? records : undefined;
}

/**
 * Which rooms have something after `since` that a member's sync carries (events, receipts, the
 * reader's room account data), so that an incremental sync of someone in many rooms looks only
 * at those; undefined when the token is too old for that to be cheaper.
 */
function activeRooms(
  store: AppStore,
  records: StreamNews | undefined,
  userId: string,
  since: number,
  position: number,
): ((roomId: string) => boolean) | undefined {
  if (records && !records.userChanged(accountDataStream.name, userId, since))
    return (roomId) => records.roomChanged(roomEventStream.name, roomId, since) || records.roomChanged(receiptStream.name, roomId, since);
  const rooms = roomsActiveSince(store, userId, since, position);
  return rooms && ((roomId) => rooms.has(roomId));
}

/**
 * Where a timeline starts in the stream: just after its `prev_batch`, which timelineOf puts
 * just before its first event, or at its end when it is empty.
 */
function startOf(timeline: Timeline): number {
  return (parseStreamToken(timeline.prev_batch, 'prev_batch') ?? 0) + 1;
}

/** A value worked out once, the first time it is needed. */
function lazily<T>(make: () => T): () => T {
  let value: { made: T } | undefined;
  return () => {
    value ??= { made: make() };
    return value.made;
  };
}

function leaveEventOnly(ctx: QueryContext, eventId: string, deviceId: string, stream: number) {
  const row = ctx.store.get<EventRow>('events', eventId);
  return {
    events: row ? [syncEventOf(row, { userId: ctx.caller, deviceId }, ctx.store)] : [],
    limited: false,
    prev_batch: formatStreamToken(stream - 1),
  };
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
