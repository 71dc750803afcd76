import type { AppStore, TableSpec } from '../../subnet/index.ts';

/**
 * Rooms as the executor keeps them. A room's history has no forks on one subnet, so the
 * room's head is one event and its state is one map; `stream` is the subnet-wide order in
 * which events were accepted, which is what sync and pagination walk.
 */
export const roomTables: TableSpec[] = [
  {
    name: 'rooms',
    columns: {
      room_id: 'text',
      version: 'text',
      creator: 'text',
      created_at: 'integer',
      head_event_id: 'text',
      depth: 'integer',
      visibility: 'text',
    },
    primaryKey: ['room_id'],
  },
  {
    name: 'events',
    columns: {
      event_id: 'text',
      room_id: 'text',
      stream: 'integer',
      type: 'text',
      state_key: 'text?',
      sender: 'text',
      pdu: 'text',
      // The sending device's transaction id, echoed to that device in sync so it can match its local echo.
      txn_device: 'text?',
      txn_id: 'text?',
      // The redaction that removed this event's content, once one has.
      redacted_by: 'text?',
      // The room's history visibility in force when the event was sent (before it).
      visibility: 'text',
    },
    primaryKey: ['event_id'],
    indexes: [['room_id', 'stream'], ['stream']],
    // (room, type, state key, stream) of state events only: a member's membership at any point
    // is one index seek, and a message (most events) is not written there at all.
    partialIndexes: [{ columns: ['room_id', 'type', 'state_key', 'stream'], notNull: 'state_key' }],
    // Each holds its whole PDU; written in stream order, keyed by a random id.
    largeRows: true,
  },
  {
    name: 'room_state',
    columns: { room_id: 'text', type: 'text', state_key: 'text', event_id: 'text' },
    primaryKey: ['room_id', 'type', 'state_key'],
  },
  {
    name: 'memberships',
    // `stream`: when the membership last changed value; `visible_until`: how far a former member
    // may read (the stream of their leaving a join), null while joined or never joined.
    columns: { user_id: 'text', room_id: 'text', membership: 'text', event_id: 'text', stream: 'integer', visible_until: 'integer?' },
    primaryKey: ['user_id', 'room_id'],
    indexes: [['room_id', 'membership']],
  },
  // Every membership change, so anyone's membership at any point in a room's history is known.
  {
    name: 'membership_log',
    columns: { room_id: 'text', user_id: 'text', stream: 'integer', membership: 'text' },
    primaryKey: ['room_id', 'user_id', 'stream'],
  },
  { name: 'counters', columns: { name: 'text', value: 'integer' }, primaryKey: ['name'] },
  // Each event's `m.relates_to` with a `rel_type`, to a parent in its own room: what /relations
  // and the bundled aggregations read. A redaction removes the row, as it removes the content.
  {
    name: 'event_relations',
    columns: {
      event_id: 'text',
      room_id: 'text',
      relates_to: 'text',
      rel_type: 'text',
      event_type: 'text',
      sender: 'text',
      stream: 'integer',
      origin_server_ts: 'integer',
      // An annotation's key, so a second identical reaction can be refused.
      annotation_key: 'text?',
    },
    primaryKey: ['event_id'],
    indexes: [['relates_to', 'stream']],
  },
  // Rooms a user has left and forgotten: gone from their sync and their history, until they return.
  { name: 'forgotten_rooms', columns: { user_id: 'text', room_id: 'text' }, primaryKey: ['user_id', 'room_id'] },
  // A device's successful transactions, so a retry returns the event it made; failures are not kept.
  {
    name: 'transactions',
    columns: { user_id: 'text', device_id: 'text', txn_id: 'text', event_id: 'text' },
    primaryKey: ['user_id', 'device_id', 'txn_id'],
  },
];

/** The last position taken in the subnet-wide stream (room events, receipts, account data, keys): what sync and paging walk. */
export function streamHead(store: AppStore): number {
  // Every sync asks, many times; it changes once a block.
  return store.remembered(
    'stream_head',
    '',
    ['counters'],
    () => store.get<{ name: string; value: number }>('counters', 'stream')?.value ?? 0,
  );
}

/** The rooms a user has joined, in order; kept until memberships change (sync, typing and presence ask at every request). */
export function joinedRoomsOf(store: AppStore, userId: string): readonly string[] {
  return store.remembered('joined_rooms_of', userId, ['memberships'], () =>
    store
      .select<{ room_id: string }>("SELECT room_id FROM {memberships} WHERE user_id = ? AND membership = 'join' ORDER BY room_id", userId)
      .map((row) => row.room_id),
  );
}

/** Who has joined a room; kept until memberships change. */
export function joinedMembersOf(store: AppStore, roomId: string): ReadonlySet<string> {
  return store.remembered(
    'joined_members_of',
    roomId,
    ['memberships'],
    () =>
      new Set(
        store
          .select<{ user_id: string }>("SELECT user_id FROM {memberships} WHERE room_id = ? AND membership = 'join'", roomId)
          .map((row) => row.user_id),
      ),
  );
}

export interface RoomRow {
  [column: string]: string | number;
  room_id: string;
  version: string;
  creator: string;
  created_at: number;
  head_event_id: string;
  depth: number;
  visibility: string;
}

export interface EventRow {
  [column: string]: string | number | null;
  event_id: string;
  room_id: string;
  stream: number;
  type: string;
  state_key: string | null;
  sender: string;
  pdu: string;
  txn_device: string | null;
  txn_id: string | null;
  redacted_by: string | null;
  visibility: string;
}
