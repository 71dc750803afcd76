import type { AppStore } from '../../subnet/index.ts';
import { type Pdu, toClientEvent } from '../events/index.ts';
import { notificationOf, type PushContext, type PushEvent, type PushRuleset, pushActions } from '../push/index.ts';
import { notificationLevel, type PowerLevels, readPowerLevels, userLevel } from '../rooms/index.ts';
import { authEventOf, currentStateEvent } from './room-state.ts';
import type { EventRow } from './room-tables.ts';
import { joinedMemberCount } from './sync-room.ts';

export interface UnreadNotifications {
  notification_count: number;
  highlight_count: number;
}

/**
 * How many unread events a count looks at. Counts are worked out when a sync asks, from the
 * reader's push rules, rather than written for every member at every send; the bound keeps a
 * sync's cost flat for someone who never reads a busy room (the count then stays at this).
 */
export const UNREAD_SCAN_LIMIT = 100;

/**
 * The reader's unread notification and highlight counts in a room (client-server §Receiving
 * notifications): events after the later of their `m.read` / `m.read.private` receipt on the
 * main timeline, their joining, and their own latest message (sending reads the room), that
 * their push rules say notify. Redacted events no longer count.
 */
export function unreadNotifications(store: AppStore, roomId: string, reader: string, ruleset: PushRuleset): UnreadNotifications {
  const counts = { notification_count: 0, highlight_count: 0 };
  const rows = store.select<EventRow>(
    'SELECT * FROM {events} WHERE room_id = ? AND stream > ? ORDER BY stream DESC LIMIT ?',
    roomId,
    readUpTo(store, roomId, reader),
    UNREAD_SCAN_LIMIT,
  );
  if (rows.length === 0) return counts;
  const context = pushContext(store, roomId, reader);
  for (const row of rows) {
    if (row.sender === reader) break;
    if (row.redacted_by !== null) continue;
    const event = toClientEvent(JSON.parse(row.pdu) as Pdu, row.event_id) as unknown as PushEvent;
    const { notify, highlight } = notificationOf(pushActions(ruleset, event, context));
    if (notify) counts.notification_count += 1;
    if (highlight) counts.highlight_count += 1;
  }
  return counts;
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
