import Type from 'typebox';
import { AppError, type AppStore, query } from '../../subnet/index.ts';
import type { ClientEvent, Pdu } from '../events/index.ts';
import { membershipOf, requireJoined, requireStanding, visibleEvent } from './room-access.ts';
import { currentState, currentStateEvent } from './room-state.ts';
import { type EventRow, joinedRoomsOf, streamHead } from './room-tables.ts';
import { clientEventOf, servedEvent } from './served-events.ts';
import { canSee } from './visibility.ts';

const RoomId = Type.String({ pattern: '^![^:]+:.+$', maxLength: 255 });
const EventId = Type.String({ maxLength: 255 });
const EventType = Type.String({ minLength: 1, maxLength: 255 });

const Paging = Type.Object(
  {
    room_id: RoomId,
    from: Type.Optional(Type.Integer({ minimum: 0 })),
    to: Type.Optional(Type.Integer({ minimum: 0 })),
    dir: Type.Union([Type.Literal('b'), Type.Literal('f')]),
    limit: Type.Integer({ minimum: 1, maximum: 1000 }),
  },
  { additionalProperties: false },
);

/** Reads of a room, from this replica's state, as far as the caller may see it. */
export const roomReadQueries = {
  joined_rooms: query(Type.Object({}, { additionalProperties: false }), (ctx) => joinedRoomsOf(ctx.store, ctx.caller)),
  /** A page of the room's timeline, as far as the caller may see it. */
  messages: query(Paging, (ctx, args) => {
    requireStanding(ctx.store, ctx.caller, args.room_id);
    // Every token means "after stream t": backwards from t returns t and older, forwards newer than t.
    const backwards = args.dir === 'b';
    const from = args.from ?? (backwards ? streamHead(ctx.store) : 0);
    const lower = backwards ? (args.to ?? 0) + 1 : from + 1;
    const upper = backwards ? from : (args.to ?? Number.MAX_SAFE_INTEGER);
    const rows = ctx.store.select<EventRow>(
      `SELECT * FROM {events} WHERE room_id = ? AND stream BETWEEN ? AND ? ORDER BY stream ${backwards ? 'DESC' : 'ASC'} LIMIT ?`,
      args.room_id,
      lower,
      upper,
      args.limit,
    );
    const last = rows.at(-1);
    const more = last !== undefined && rows.length === args.limit;
    return {
      chunk: rows.filter((row) => canSee(ctx.store, ctx.caller, row)).map((row) => servedEvent(ctx.store, ctx.caller, row)),
      start: from,
      ...(more ? { end: backwards ? last.stream - 1 : last.stream } : {}),
    };
  }),
  /** The room's current state, for a member. */
  state: query(Type.Object({ room_id: RoomId }, { additionalProperties: false }), (ctx, args) => {
    requireJoined(ctx.store, ctx.caller, args.room_id);
    return currentState(ctx.store, args.room_id).map(clientEventOf);
  }),
  state_event: query(
    Type.Object({ room_id: RoomId, type: EventType, state_key: Type.String() }, { additionalProperties: false }),
    (ctx, args) => {
      requireJoined(ctx.store, ctx.caller, args.room_id);
      const row = currentStateEvent(ctx.store, args.room_id, args.type, args.state_key);
      if (!row) throw new AppError('M_NOT_FOUND', `the room has no ${args.type} state with key "${args.state_key}"`);
      return (JSON.parse(row.pdu) as Pdu).content;
    },
  ),
  members: query(Type.Object({ room_id: RoomId }, { additionalProperties: false }), (ctx, args) => {
    requireJoined(ctx.store, ctx.caller, args.room_id);
    return ctx.store
      .select<EventRow>(
        'SELECT * FROM {events} WHERE event_id IN (SELECT event_id FROM {memberships} WHERE room_id = ?) ORDER BY state_key',
        args.room_id,
      )
      .map(clientEventOf);
  }),
  /**
   * Who is joined now, with the name and avatar their membership event gives; while membership
   * events carry no profile, the user's global profile stands in.
   */
  joined_members: query(Type.Object({ room_id: RoomId }, { additionalProperties: false }), (ctx, args) => {
    requireJoined(ctx.store, ctx.caller, args.room_id);
    const rows = ctx.store.select<{ user_id: string; pdu: string; displayname: string | null; avatar_url: string | null }>(
      `SELECT m.user_id, e.pdu, p.displayname, p.avatar_url FROM {memberships} m JOIN {events} e ON e.event_id = m.event_id
       LEFT JOIN {profiles} p ON p.user_id = m.user_id WHERE m.room_id = ? AND m.membership = 'join' ORDER BY m.user_id`,
      args.room_id,
    );
    // Both keys always, null when unset: clients that validate the answer require them, and
    // without them take the room's members for not fully known (and refuse to encrypt).
    const joined: Record<string, { display_name: string | null; avatar_url: string | null }> = {};
    for (const row of rows) {
      const content = (JSON.parse(row.pdu) as Pdu).content;
      const name = typeof content.displayname === 'string' ? content.displayname : row.displayname;
      const avatar = typeof content.avatar_url === 'string' ? content.avatar_url : row.avatar_url;
      joined[row.user_id] = { display_name: name || null, avatar_url: avatar || null };
    }
    return { joined };
  }),
  event: query(Type.Object({ room_id: RoomId, event_id: EventId }, { additionalProperties: false }), (ctx, args) =>
    servedEvent(ctx.store, ctx.caller, visibleEvent(ctx.store, ctx.caller, args.room_id, args.event_id)),
  ),
  /**
   * The events around one event (`limit` split between before and after), and the room's
   * state at the last of them. Tokens are stream positions, as /messages reads them.
   */
  context: query(
    Type.Object(
      { room_id: RoomId, event_id: EventId, limit: Type.Integer({ minimum: 0, maximum: 1000 }) },
      { additionalProperties: false },
    ),
    (ctx, args) => {
      requireStanding(ctx.store, ctx.caller, args.room_id);
      const event = visibleEvent(ctx.store, ctx.caller, args.room_id, args.event_id);
      const beforeLimit = Math.floor(args.limit / 2);
      const before = ctx.store.select<EventRow>(
        'SELECT * FROM {events} WHERE room_id = ? AND stream < ? ORDER BY stream DESC LIMIT ?',
        args.room_id,
        event.stream,
        beforeLimit,
      );
      const after = ctx.store.select<EventRow>(
        'SELECT * FROM {events} WHERE room_id = ? AND stream > ? ORDER BY stream ASC LIMIT ?',
        args.room_id,
        event.stream,
        args.limit - beforeLimit,
      );
      const visibleAfter = after.filter((row) => canSee(ctx.store, ctx.caller, row));
      const serve = (rows: EventRow[]): ClientEvent[] => rows.map((row) => servedEvent(ctx.store, ctx.caller, row));
      const end = after.at(-1)?.stream ?? event.stream;
      // The state at the last event returned, not at the last one read: for someone who left,
      // the events after their leaving are read but not theirs to see, nor is the state they made.
      const shownEnd = visibleAfter.at(-1)?.stream ?? event.stream;
      return {
        event: servedEvent(ctx.store, ctx.caller, event),
        events_before: serve(before.filter((row) => canSee(ctx.store, ctx.caller, row))),
        events_after: serve(visibleAfter),
        state: stateAt(ctx.store, args.room_id, shownEnd).map(clientEventOf),
        start: (before.at(-1)?.stream ?? event.stream) - 1,
        end,
      };
    },
  ),
  /** The caller-visible event nearest to `ts`: the first at or after it (`f`), or the last at or before it (`b`). */
  timestamp_to_event: query(
    Type.Object(
      { room_id: RoomId, ts: Type.Integer({ minimum: 0 }), dir: Type.Union([Type.Literal('b'), Type.Literal('f')]) },
      { additionalProperties: false },
    ),
    (ctx, args) => {
      requireStanding(ctx.store, ctx.caller, args.room_id);
      const readableUntil = formerMemberUntil(ctx.store, ctx.caller, args.room_id, args.ts);
      // Event times never go backwards along the stream (the executor keeps time monotonic).
      const forwards = args.dir === 'f';
      const rows = ctx.store.select<EventRow>(
        `SELECT * FROM {events} WHERE room_id = ? AND json_extract(pdu, '$.origin_server_ts') ${forwards ? '>=' : '<='} ?
         AND stream <= ? ORDER BY stream ${forwards ? 'ASC' : 'DESC'} LIMIT 100`,
        args.room_id,
        args.ts,
        readableUntil,
      );
      const found = rows.find((row) => canSee(ctx.store, ctx.caller, row));
      if (!found) throw new AppError('M_NOT_FOUND', `no event you may see ${forwards ? 'at or after' : 'at or before'} ${args.ts}`);
      return { event_id: found.event_id, origin_server_ts: (JSON.parse(found.pdu) as Pdu).origin_server_ts };
    },
  ),
};

/**
 * How far along the stream someone may look for events by time: anywhere for a member or an
 * invitee; for someone who left, up to their leaving, and a time after it is refused as it
 * is for a non-member (the answer would tell them what happened after).
 */
function formerMemberUntil(store: AppStore, userId: string, roomId: string, ts: number): number {
  const membership = membershipOf(store, roomId, userId);
  if (membership === undefined || membership.membership === 'join' || membership.membership === 'invite') return Number.MAX_SAFE_INTEGER;
  const left = store.get<EventRow>('events', membership.event_id);
  const leftAt = left ? (JSON.parse(left.pdu) as Pdu).origin_server_ts : 0;
  if (ts > leftAt) throw new AppError('M_FORBIDDEN', `${userId} left room ${roomId}; what happened after that is not theirs to look up`);
  return membership.visible_until ?? 0;
}

/** The room's state as it was just after stream position `stream`: each key's latest state event up to it. */
function stateAt(store: AppStore, roomId: string, stream: number): EventRow[] {
  return store.select<EventRow>(
    `SELECT * FROM (
       SELECT e.*, row_number() OVER (PARTITION BY e.type, e.state_key ORDER BY e.stream DESC) AS newest
       FROM {events} e WHERE e.room_id = ? AND e.state_key IS NOT NULL AND e.stream <= ?
     ) WHERE newest = 1 ORDER BY type, state_key`,
    roomId,
    stream,
  );
}
