import type { AppStore, QueryContext } from '../../subnet/index.ts';
import { type JsonObject, type Pdu, toClientEvent } from '../events/index.ts';
import { eventMatcher, type Filter, type FilterableEvent } from '../filter/index.ts';
import { formatStreamToken } from '../sync/token.ts';
import type { EventRow } from './room-tables.ts';
import type { StreamNews } from './sync-news.ts';
import { type CurrentMembership, canSee } from './visibility.ts';

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

export interface Timeline {
  events: SyncEvent[];
  limited: boolean;
  prev_batch: string;
}

/** Room summary (client-server §GET /sync, RoomSummary): what a client needs to name a room whose members it has not loaded. */
export interface RoomSummary {
  'm.heroes': string[];
  'm.joined_member_count': number;
  'm.invited_member_count': number;
}

/** The parts of a sync filter that shape one room's sections. */
export interface RoomSectionFilter {
  limit: number;
  timeline: (event: FilterableEvent) => boolean;
  /** Whether the timeline filter lets everything through, so one page of rows is enough. */
  timelineUnfiltered: boolean;
  state: (event: FilterableEvent) => boolean;
  lazyLoadMembers: boolean;
  ephemeral: (event: FilterableEvent) => boolean;
  accountData: (event: FilterableEvent) => boolean;
}

export function roomSectionFilter(filter: Filter | undefined, limit: number): RoomSectionFilter {
  const room = filter?.room;
  const timeline = room?.timeline;
  return {
    limit,
    timeline: eventMatcher(timeline),
    timelineUnfiltered:
      !timeline ||
      (timeline.types === undefined &&
        timeline.not_types === undefined &&
        timeline.senders === undefined &&
        timeline.not_senders === undefined &&
        timeline.contains_url === undefined),
    state: eventMatcher(room?.state),
    lazyLoadMembers: room?.state?.lazy_load_members === true,
    ephemeral: eventMatcher(room?.ephemeral),
    accountData: eventMatcher(room?.account_data),
  };
}

/** How many pages of rows a filtered timeline reads, at most, looking for events that pass. */
const MAX_TIMELINE_PAGES = 10;

/** Work on a room that one reader's timeline may take from what is shared by all its members. */
export interface SharedRoomWork {
  records?: StreamNews | undefined;
  /** The reader's membership now, which spares most visibility lookups. */
  reader?: CurrentMembership;
}

/** The newest `limit` events of a room in (after, until] that pass the filter and the reader may see, oldest first. */
export function timelineOf(
  ctx: QueryContext,
  roomId: string,
  after: number,
  until: number,
  filter: RoomSectionFilter,
  deviceId: string,
  shared: SharedRoomWork = {},
): Timeline {
  const reader = { userId: ctx.caller, deviceId };
  // The room's new events as read once for all its members, when the records hold them.
  const recorded = filter.timelineUnfiltered ? shared.records?.roomEvents(ctx.store, roomId, after, until) : undefined;
  if (recorded) {
    const events = recorded.slice(-filter.limit).filter((row) => canSee(ctx.store, ctx.caller, row, shared.reader));
    const first = events[0];
    return {
      events: events.map((row) => readerEvent(row, reader, ctx.store, shared.records)),
      limited: recorded.length > filter.limit,
      prev_batch: formatStreamToken(first ? first.stream - 1 : until),
    };
  }
  const page = filter.timelineUnfiltered ? filter.limit + 1 : Math.max(filter.limit + 1, 50);
  const rows: EventRow[] = [];
  let cursor = until;
  let exhausted = false;
  for (let pages = 0; rows.length <= filter.limit && pages < MAX_TIMELINE_PAGES; pages++) {
    const batch = ctx.store.select<EventRow>(
      'SELECT * FROM {events} WHERE room_id = ? AND stream > ? AND stream <= ? ORDER BY stream DESC LIMIT ?',
      roomId,
      after,
      cursor,
      page,
    );
    rows.push(...(filter.timelineUnfiltered ? batch : batch.filter((row) => filter.timeline(filterable(row)))));
    if (batch.length < page) {
      exhausted = true;
      break;
    }
    cursor = (batch[batch.length - 1] as EventRow).stream - 1;
  }
  const limited = rows.length > filter.limit || !exhausted;
  const events = rows
    .slice(0, filter.limit)
    .reverse()
    .filter((row) => canSee(ctx.store, ctx.caller, row, shared.reader));
  const first = events[0];
  return {
    events: events.map((row) => readerEvent(row, reader, ctx.store, shared.records)),
    limited,
    prev_batch: formatStreamToken(first ? first.stream - 1 : until),
  };
}

/**
 * The `state` section: the room's state just before the timeline starts (`before`), less
 * what the client already has — every state entry for a room new to it (`after` undefined),
 * else the entries that changed after `after`. With lazy loading, membership is sent only for
 * the timeline's senders (and, in a new room, the reader), whenever it changed.
 */
export function stateBefore(
  ctx: QueryContext,
  roomId: string,
  after: number | undefined,
  before: number,
  timeline: Timeline,
  filter: RoomSectionFilter,
  deviceId: string,
): SyncEvent[] {
  // A whole, unfiltered timeline since `after` leaves no state change before it to tell.
  const complete = after !== undefined && !timeline.limited && filter.timelineUnfiltered;
  const rows = complete ? [] : latestStateBetween(ctx.store, roomId, after ?? 0, before).filter((row) => filter.state(filterable(row)));
  if (!filter.lazyLoadMembers) return rows.map((row) => syncEventOf(row, { userId: ctx.caller, deviceId }));
  const wanted = new Set(timeline.events.map((event) => event.sender));
  if (after === undefined) wanted.add(ctx.caller);
  const kept = rows.filter((row) => row.type !== 'm.room.member' || wanted.has(row.state_key as string));
  const sent = new Set(kept.filter((row) => row.type === 'm.room.member').map((row) => row.state_key));
  // Senders whose membership is older than `after`: the client may never have loaded it.
  for (const userId of wanted) {
    if (sent.has(userId) || !filter.state({ type: 'm.room.member', sender: userId, room_id: roomId })) continue;
    const row = ctx.store.selectOne<EventRow>(
      "SELECT * FROM {events} WHERE room_id = ? AND type = 'm.room.member' AND state_key = ? AND stream < ? ORDER BY stream DESC LIMIT 1",
      roomId,
      userId,
      before,
    );
    if (row) kept.push(row);
  }
  return kept.sort((a, b) => a.stream - b.stream).map((row) => syncEventOf(row, { userId: ctx.caller, deviceId }));
}

/** For each state key set in (after, before), the last event that set it, in stream order. */
function latestStateBetween(store: AppStore, roomId: string, after: number, before: number): EventRow[] {
  // Usually the state has not changed since `before` (the timeline holds no state event): then
  // it is the current state, one row per key, without reading the room's history.
  const changedSince = store.selectOne(
    'SELECT 1 AS one FROM {events} WHERE room_id = ? AND stream >= ? AND state_key IS NOT NULL LIMIT 1',
    roomId,
    before,
  );
  if (!changedSince)
    return store.select<EventRow>(
      'SELECT e.* FROM {room_state} s JOIN {events} e ON e.event_id = s.event_id WHERE s.room_id = ? AND e.stream > ? ORDER BY e.stream',
      roomId,
      after,
    );
  return store.select<EventRow>(
    `SELECT e.* FROM {events} e JOIN (
       SELECT MAX(stream) AS stream FROM {events}
       WHERE room_id = ? AND stream > ? AND stream < ? AND state_key IS NOT NULL GROUP BY type, state_key
     ) latest ON latest.stream = e.stream
     WHERE e.room_id = ? ORDER BY e.stream`,
    roomId,
    after,
    before,
    roomId,
  );
}

/**
 * The room summary: joined and invited counts, and up to five other members who joined or
 * were invited earliest (the heroes a client names an unnamed room after); former members
 * when nobody else is left.
 */
export function summaryOf(store: AppStore, roomId: string, reader: string): RoomSummary {
  const heroes = (memberships: string[]) =>
    store
      .select<{ user_id: string }>(
        `SELECT user_id FROM {memberships} WHERE room_id = ? AND user_id != ? AND membership IN (${memberships.map(() => '?').join(', ')})
         ORDER BY stream, user_id LIMIT 5`,
        roomId,
        reader,
        ...memberships,
      )
      .map((row) => row.user_id);
  const present = heroes(['join', 'invite']);
  return {
    'm.heroes': present.length > 0 ? present : heroes(['leave', 'ban']),
    'm.joined_member_count': membersCounted(store, roomId, 'join'),
    'm.invited_member_count': membersCounted(store, roomId, 'invite'),
  };
}

export function joinedMemberCount(store: AppStore, roomId: string): number {
  return membersCounted(store, roomId, 'join');
}

/** How many of the room's members have `membership`; push rules ask at every count, so it is kept until memberships change. */
function membersCounted(store: AppStore, roomId: string, membership: string): number {
  return store.remembered(
    'members_counted',
    `${roomId}\n${membership}`,
    ['memberships'],
    () =>
      store.selectOne<{ n: number }>('SELECT COUNT(*) AS n FROM {memberships} WHERE room_id = ? AND membership = ?', roomId, membership)
        ?.n ?? 0,
  );
}

/** Whose sync an event is for: their own device's transaction ids are echoed to it, no one else's. */
export interface Reader {
  userId: string;
  deviceId: string;
}

/** The event for this reader: the one every member gets, unless it carries something for this reader alone. */
function readerEvent(row: EventRow, reader: Reader, store: AppStore, records: StreamNews | undefined): SyncEvent {
  const ownTransaction = row.sender === reader.userId && row.txn_device === reader.deviceId && row.txn_id !== null;
  if (!records || ownTransaction || row.redacted_by !== null) return syncEventOf(row, reader, store);
  return records.sharedEvent(row, () => syncEventOf(row, reader, store));
}

export function syncEventOf(row: EventRow, reader: Reader, store?: AppStore): SyncEvent {
  const ownTransaction = row.sender === reader.userId && row.txn_device === reader.deviceId && row.txn_id !== null;
  const redaction = row.redacted_by !== null && store ? store.get<EventRow>('events', row.redacted_by) : undefined;
  const unsigned: JsonObject = {
    ...(ownTransaction ? { transaction_id: row.txn_id as string } : {}),
    ...(redaction ? { redacted_because: syncEventOf(redaction, reader) as unknown as JsonObject } : {}),
  };
  // The client format, as everywhere else, less the room id the sync section already names.
  const { room_id: _roomId, ...event } = toClientEvent(
    JSON.parse(row.pdu) as Pdu,
    row.event_id,
    Object.keys(unsigned).length > 0 ? unsigned : undefined,
  );
  return event;
}

/** What an event filter looks at, from the row; the content is read only for contains_url. */
function filterable(row: EventRow): FilterableEvent {
  return {
    type: row.type,
    sender: row.sender,
    room_id: row.room_id,
    get content() {
      return (JSON.parse(row.pdu) as Pdu).content;
    },
  };
}
