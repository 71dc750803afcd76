import { columnBetween, lastPosition, type StateStream } from './stream.ts';

/** To-device messages: each wakes its recipient's syncs. */
export const toDeviceStream: StateStream = {
  name: 'to-device',
  position: (store) => lastPosition(store, 'to_device_messages'),
  changes: (store, from, to) => ({ rooms: [], users: columnBetween(store, 'to_device_messages', 'user_id', from, to) }),
};
