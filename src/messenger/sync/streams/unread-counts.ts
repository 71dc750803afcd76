import { columnBetween, lastPosition, type StateStream } from './stream.ts';

/**
 * Unread notification counts: they move when a room has a new event or a reader's receipt
 * moves (both wake the room's members), and when a user's push rules change.
 */
export const unreadCountStream: StateStream = {
  name: 'unread counts',
  position: (store) => Math.max(lastPosition(store, 'events'), lastPosition(store, 'receipts')),
  changes: (store, from, to) => ({
    rooms: [...new Set([...columnBetween(store, 'events', 'room_id', from, to), ...columnBetween(store, 'receipts', 'room_id', from, to)])],
    users: [],
  }),
};
