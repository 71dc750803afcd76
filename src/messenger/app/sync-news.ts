import type { AppStore } from '../../subnet/index.ts';
import { type StreamChanges, stateStreams } from '../sync/streams/index.ts';
import { type EventRow, streamHead } from './room-tables.ts';
import type { SyncEvent } from './sync-room.ts';

/**
 * What the log's streams changed, kept in memory per replica: for each stream, the last
 * position at which it changed something for each room and each user, and for each room with
 * a reader its newest events, read once when their block is applied and shared by every
 * member's sync (the per-reader parts — visibility, transaction ids, receipts, unread counts —
 * stay per reader). `stream_changes`, which the notifier runs after every applied block, fills
 * it in order; it covers tokens from the position it began at, and a sync from an older token
 * (or a replica where nobody follows the streams) reads the tables as before. Like the unread
 * tallies it is a cache of a function of the state: dropping it changes nothing but the cost.
 */
export class StreamNews {
  /** The position from which every change is recorded: a token at or after it is covered. */
  start: number;
  /** The position recorded up to. */
  through: number;
  private readonly byStream = new Map<string, { rooms: Map<string, number>; users: Map<string, number>; last: number }>();
  private readonly windows = new Map<string, RoomWindow>();
  private readonly userRooms = new Map<string, { rooms: string[]; at: number }>();
  private entries = 0;

  constructor(position: number) {
    this.start = position;
    this.through = position;
  }

  /** Whether a sync from `since` up to `until` can be told from what is recorded. */
  covers(since: number, until: number): boolean {
    return since >= this.start && until <= this.through;
  }

  /** Records what one stream changed in (from, to]; `from` must be where the last record ended. */
  record(stream: string, changes: StreamChanges, to: number): void {
    const news = this.byStream.get(stream) ?? { rooms: new Map<string, number>(), users: new Map<string, number>(), last: 0 };
    this.byStream.set(stream, news);
    for (const room of changes.rooms) news.rooms.set(room, to);
    for (const user of changes.users) news.users.set(user, to);
    if (changes.rooms.length + changes.users.length > 0) news.last = to;
    this.entries += changes.rooms.length + changes.users.length;
  }

  /** Moves the recorded span to `to`, or starts afresh there when the records do not continue from `from`. */
  advance(from: number, to: number): void {
    if (from !== this.through || this.entries > MAX_ENTRIES) {
      this.byStream.clear();
      this.windows.clear();
      this.userRooms.clear();
      this.entries = 0;
      this.start = to;
    }
    this.through = to;
  }

  /** Whether `stream` changed anything for `room` after `since`. */
  roomChanged(stream: string, room: string, since: number): boolean {
    return (this.byStream.get(stream)?.rooms.get(room) ?? 0) > since;
  }

  /** Whether `stream` changed anything for `user` after `since`. */
  userChanged(stream: string, user: string, since: number): boolean {
    return (this.byStream.get(stream)?.users.get(user) ?? 0) > since;
  }

  /** Whether `stream` changed anything at all after `since`. */
  streamChanged(stream: string, since: number): boolean {
    return (this.byStream.get(stream)?.last ?? 0) > since;
  }

  /** The rooms a user has a membership in, as `read` gives them, read again only when `membershipStream` moved for the user. */
  roomsOf(user: string, membershipStream: string, read: () => string[]): string[] {
    const known = this.userRooms.get(user);
    if (known && known.at >= this.start && !this.userChanged(membershipStream, user, known.at)) return known.rooms;
    const rooms = read();
    if (this.userRooms.size >= MAX_WINDOWS) this.userRooms.clear();
    this.userRooms.set(user, { rooms, at: this.through });
    return rooms;
  }

  /** Appends a block's new events to the windows of the rooms that have one; a redaction rewrites an older row, so its room's window goes. */
  addEvents(rows: readonly EventRow[], to: number): void {
    for (const row of rows) {
      const window = this.windows.get(row.room_id);
      if (!window) continue;
      if (row.type === 'm.room.redaction') {
        this.windows.delete(row.room_id);
        continue;
      }
      window.rows.push(row);
    }
    for (const window of this.windows.values()) {
      window.through = to;
      trim(window);
    }
  }

  /**
   * The room's events in (after, until], oldest first, from its window — read once and shared
   * by every member — or undefined when the window cannot tell (a token older than the
   * records, more events than a window holds).
   */
  roomEvents(store: AppStore, roomId: string, after: number, until: number): RoomWindow['rows'] | undefined {
    if (!this.covers(after, until) || until !== this.through) return undefined;
    let window = this.windows.get(roomId);
    if (!window) {
      if (this.windows.size >= MAX_WINDOWS) this.windows.clear();
      const rows = rowsBetween(store, roomId, after, until);
      if (rows === undefined) return undefined;
      window = { from: after, through: until, rows, events: new Map() };
      this.windows.set(roomId, window);
    } else if (after < window.from) {
      const older = rowsBetween(store, roomId, after, window.from);
      if (older === undefined || older.length + window.rows.length > MAX_WINDOW_ROWS) return undefined;
      window.rows.unshift(...older);
      window.from = after;
    }
    let first = window.rows.length;
    while (first > 0 && (window.rows[first - 1] as EventRow).stream > after) first -= 1;
    return window.rows.slice(first);
  }

  /** The event as every reader sees it (the client event without the room id), worked out once per room window. */
  sharedEvent(row: EventRow, make: () => SyncEvent): SyncEvent {
    const window = this.windows.get(row.room_id);
    if (!window) return make();
    let event = window.events.get(row.event_id);
    if (!event) {
      event = make();
      window.events.set(row.event_id, event);
    }
    return event;
  }
}

interface RoomWindow {
  /** The window holds every event of the room in (from, through]. */
  from: number;
  through: number;
  rows: EventRow[];
  events: Map<string, SyncEvent>;
}

/** The most events a room's window keeps: more than a reader's news between two syncs, usually. */
const MAX_WINDOW_ROWS = 32;
/** The most rooms with windows, and room and user entries, before the records start afresh. */
const MAX_WINDOWS = 20_000;
const MAX_ENTRIES = 500_000;

function rowsBetween(store: AppStore, roomId: string, after: number, until: number): EventRow[] | undefined {
  const rows = store.select<EventRow>(
    'SELECT * FROM {events} WHERE room_id = ? AND stream > ? AND stream <= ? ORDER BY stream LIMIT ?',
    roomId,
    after,
    until,
    MAX_WINDOW_ROWS + 1,
  );
  return rows.length > MAX_WINDOW_ROWS ? undefined : rows;
}

function trim(window: RoomWindow): void {
  const excess = window.rows.length - MAX_WINDOW_ROWS;
  if (excess <= 0) return;
  const dropped = window.rows.splice(0, excess);
  window.from = (dropped[dropped.length - 1] as EventRow).stream;
  for (const row of dropped) window.events.delete(row.event_id);
}

const news = new WeakMap<AppStore, StreamNews>();

/** This replica's records, begun at `position` the first time they are asked for. */
export function streamNewsOf(store: AppStore, position: number): StreamNews {
  let known = news.get(store);
  if (!known) {
    known = new StreamNews(position);
    news.set(store, known);
  }
  return known;
}

/** The records, when some exist; a sync without them reads the tables. */
export function existingStreamNews(store: AppStore): StreamNews | undefined {
  return news.get(store);
}

/**
 * What the log's streams changed after `after`, up to the head: whose waiting syncs to wake.
 * Each stream is asked only when its own position is past `after`. What it finds is recorded
 * as it is read: this runs once per applied block, and syncs then ask the records.
 */
export function streamChangesAfter(store: AppStore, after: number): StreamChanges & { position: number } {
  const position = streamHead(store);
  const records = streamNewsOf(store, position);
  records.advance(after, position);
  const rooms = new Set<string>();
  const users = new Set<string>();
  for (const stream of stateStreams) {
    if (after >= position || stream.position(store) <= after) continue;
    const changes = stream.changes(store, after, position);
    records.record(stream.name, changes, position);
    for (const room of changes.rooms) rooms.add(room);
    for (const user of changes.users) users.add(user);
  }
  if (after < position && rooms.size > 0) {
    const rows = store.select<EventRow>('SELECT * FROM {events} WHERE stream > ? AND stream <= ? ORDER BY stream', after, position);
    records.addEvents(rows, position);
  }
  return { position, rooms: [...rooms].sort(), users: [...users].sort() };
}
