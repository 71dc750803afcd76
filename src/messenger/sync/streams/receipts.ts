import { columnBetween, lastPosition, type StateStream } from './stream.ts';

/** Read receipts: each wakes the members of its room. */
export const receiptStream: StateStream = {
  name: 'receipts',
  position: (store) => lastPosition(store, 'receipts'),
  changes: (store, from, to) => ({ rooms: columnBetween(store, 'receipts', 'room_id', from, to), users: [] }),
};
