import { columnBetween, lastPosition, type StateStream } from './stream.ts';

/**
 * A room's state: what the `state` section tells (as at the timeline's start). A state event
 * is a room event, so the room events' position bounds this stream's.
 */
export const stateStream: StateStream = {
  name: 'state',
  position: (store) => lastPosition(store, 'events'),
  changes: (store, from, to) => ({
    rooms: columnBetween(store, 'events', 'room_id', from, to, 'AND state_key IS NOT NULL'),
    users: [],
  }),
};
