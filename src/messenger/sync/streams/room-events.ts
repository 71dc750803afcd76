import { columnBetween, lastPosition, type StateStream } from './stream.ts';

/** A room's timeline: every event appended to a room wakes its members. */
export const roomEventStream: StateStream = {
  name: 'room events',
  position: (store) => lastPosition(store, 'events'),
  changes: (store, from, to) => ({ rooms: columnBetween(store, 'events', 'room_id', from, to), users: [] }),
};
