import type { AppStore } from '../../subnet/index.ts';
import { type Pdu, toClientEvent } from '../events/index.ts';
import { notificationOf, type PushContext, type PushEvent, type PushRuleset, pushActions } from '../push/index.ts';
import { notificationLevel, type PowerLevels, readPowerLevels, userLevel } from '../rooms/index.ts';
import { accountDataStream, membershipStream, receiptStream, roomEventStream } from '../sync/streams/index.ts';
import { authEventOf, currentStateEvent } from './room-state.ts';
import type { EventRow } from './room-tables.ts';
import type { StreamNews } from './sync-news.ts';
import { joinedMemberCount } from './sync-room.ts';

export interface UnreadNotifications {
  notification_count: number;
  highlight_count: number;
}

/**
 * How many unread events a count looks at when it starts from nothing (after a restart, or
 * for a room not counted yet): a room never read shows at most this many.
 */
export const UNREAD_SCAN_LIMIT = 100;

/** A count kept between syncs, valid while the reader's read position and push rules stay as they were. */
interface Tally extends UnreadNotifications {
  readUpTo: number;
  rulesVersion: number;
  /** The room's last stream position the tally has looked at. */
  through: number;
  /** The stream position at which the read position and rules were last read. */
  checkedAt: number;
}

// Per replica (per store), per room and reader. Counts are worked out when a sync asks rather
// than written for every member at every send; kept here, each sync only looks at the events
// that arrived since the last one. It is a cache of a function of the state: dropping it
// changes nothing but the cost.
const tallies = new WeakMap<AppStore, Map<string, Tally>>();
const MAX_TALLIES = 200_000;
// Each reader's ruleset as of the stream position of their last change to it: built once, not per sync.
const rulesets = new WeakMap<AppStore, Map<string, { version: number; ruleset: PushRuleset }>>();

/**
 * The reader's unread notification and highlight counts in a room (client-server §Receiving
 * notifications): events after the later of their `m.read` / `m.read.private` receipt on the
 * main timeline, their joining, and their own latest message (sending reads the room), that
 * their push rules said notify when they arrived. An event redacted after it was counted still
 * counts until read.
 */
export function unreadNotifications(
  store: AppStore,
  roomId: string,
  reader: string,
  rules: () => PushRuleset,
  records?: { news: StreamNews; position: number },
): UnreadNotifications {
  const perStore = tallies.get(store) ?? new Map<string, Tally>();
  tallies.set(store, perStore);
  const key = `${roomId}\n${reader}`;
  const recorded = records && countFromRecords(store, perStore.get(key), roomId, reader, rules, records.news, records.position);
  if (recorded) return recorded;
  const readPosition = readUpTo(store, roomId, reader);
  const rulesVersion = store.get<{ stream: number }>('account_data', { user_id: reader, room_id: '', type: 'm.push_rules' })?.stream ?? 0;
  const head =
    store.selectOne<{ stream: number | null }>('SELECT MAX(stream) AS stream FROM {events} WHERE room_id = ?', roomId)?.stream ?? 0;
  const known = perStore.get(key);
  const tally =
    known && known.readUpTo === readPosition && known.rulesVersion === rulesVersion && known.through <= head
      ? known
      : { readUpTo: readPosition, rulesVersion, through: readPosition, checkedAt: 0, notification_count: 0, highlight_count: 0 };
  tally.checkedAt = records?.position ?? 0;
  if (tally.through < head) {
    const fresh = tally !== known;
    // From nothing: the newest events, newest first, down to the reader's own latest. Else: what arrived since, oldest first.
    const rows = store.select<EventRow>(
      `SELECT * FROM {events} WHERE room_id = ? AND stream > ? ORDER BY stream ${fresh ? 'DESC' : 'ASC'} LIMIT ?`,
      roomId,
      tally.through,
      fresh ? UNREAD_SCAN_LIMIT : head - tally.through,
    );
    count(
      store,
      tally,
      rows,
      roomId,
      reader,
      fresh,
      once(() => rulesetOf(store, reader, rulesVersion, rules)),
    );
    tally.through = head;
  }
  if (perStore.size >= MAX_TALLIES && !perStore.has(key)) perStore.clear();
  perStore.set(key, tally);
  return { notification_count: tally.notification_count, highlight_count: tally.highlight_count };
}

/**
 * The count from the streams' records, when they show the reader's read position and rules
 * unchanged since the tally was last checked: then only the room's new events, read once for
 * all its members, are looked at. Undefined when the records cannot tell.
 */
function countFromRecords(
  store: AppStore,
  known: Tally | undefined,
  roomId: string,
  reader: string,
  rules: () => PushRuleset,
  news: StreamNews,
  position: number,
): UnreadNotifications | undefined {
  if (!known || !news.covers(known.checkedAt, position)) return undefined;
  const since = known.checkedAt;
  const readMoved = news.roomChanged(receiptStream.name, roomId, since) || news.userChanged(membershipStream.name, reader, since);
  if (readMoved || news.userChanged(accountDataStream.name, reader, since)) return undefined;
  if (news.roomChanged(roomEventStream.name, roomId, since)) {
    const rows = news.roomEvents(store, roomId, known.through, position);
    if (rows === undefined) return undefined;
    count(
      store,
      known,
      rows,
      roomId,
      reader,
      false,
      once(() => rulesetOf(store, reader, known.rulesVersion, rules)),
    );
    known.through = rows.at(-1)?.stream ?? known.through;
  }
  known.checkedAt = position;
  return { notification_count: known.notification_count, highlight_count: known.highlight_count };
}

/** Adds `rows` to the tally: from nothing, newest first down to the reader's own latest; else oldest first. */
function count(
  store: AppStore,
  tally: Tally,
  rows: readonly EventRow[],
  roomId: string,
  reader: string,
  fresh: boolean,
  ruleset: () => PushRuleset,
): void {
  const context = pushContext(store, roomId, reader);
  for (const row of rows) {
    if (row.sender === reader) {
      if (fresh) break;
      tally.notification_count = 0;
      tally.highlight_count = 0;
      continue;
    }
    if (row.redacted_by !== null) continue;
    const { notify, highlight } = notificationOf(pushActions(ruleset(), pushEventOf(row), context));
    if (notify) tally.notification_count += 1;
    if (highlight) tally.highlight_count += 1;
  }
}

// A room's new rows are shared by every member who counts them (StreamNews' windows): each is
// parsed into what the rules read once, not once per member. Rules only read the event.
const pushEvents = new WeakMap<EventRow, PushEvent>();

function pushEventOf(row: EventRow): PushEvent {
  let event = pushEvents.get(row);
  if (!event) {
    event = toClientEvent(JSON.parse(row.pdu) as Pdu, row.event_id) as unknown as PushEvent;
    pushEvents.set(row, event);
  }
  return event;
}

/** The stream position up to which the reader has read the room: receipts (unthreaded or main) and their joining. */
function readUpTo(store: AppStore, roomId: string, reader: string): number {
  const receipt = store.selectOne<{ stream: number | null }>(
    `SELECT MAX(e.stream) AS stream FROM {receipts} r JOIN {events} e ON e.event_id = r.event_id
     WHERE r.room_id = ? AND r.user_id = ? AND r.thread_id IN ('', 'main')`,
    roomId,
    reader,
  );
  const joined = store.get<{ stream: number }>('memberships', { user_id: reader, room_id: roomId });
  return Math.max(receipt?.stream ?? 0, joined?.stream ?? 0);
}

/** What the rules know of the room, each part read only when a rule asks: the reader's display name, the room's size, the senders' power. */
function pushContext(store: AppStore, roomId: string, reader: string): PushContext {
  let levels: PowerLevels | undefined;
  return {
    userId: reader,
    displayName: once(() => {
      const member = currentStateEvent(store, roomId, 'm.room.member', reader);
      const name = member ? (JSON.parse(member.pdu) as Pdu).content.displayname : undefined;
      return typeof name === 'string' ? name : undefined;
    }),
    memberCount: once(() => joinedMemberCount(store, roomId)),
    senderMayNotify: (sender, key) => {
      levels ??= readPowerLevels(stateOf(store, roomId, 'm.room.power_levels'), stateOf(store, roomId, 'm.room.create'));
      return userLevel(levels, sender) >= notificationLevel(levels, key);
    },
  };
}

function rulesetOf(store: AppStore, reader: string, version: number, build: () => PushRuleset): PushRuleset {
  const perStore = rulesets.get(store) ?? new Map<string, { version: number; ruleset: PushRuleset }>();
  rulesets.set(store, perStore);
  const known = perStore.get(reader);
  if (known && known.version === version) return known.ruleset;
  if (perStore.size >= MAX_TALLIES) perStore.clear();
  const ruleset = build();
  perStore.set(reader, { version, ruleset });
  return ruleset;
}

function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => {
    made ??= { value: make() };
    return made.value;
  };
}

function stateOf(store: AppStore, roomId: string, type: string) {
  const row = currentStateEvent(store, roomId, type, '');
  return row ? authEventOf(row) : undefined;
}
