import { columnBetween, lastPosition, type StateStream } from './stream.ts';

/** A user's account data, global and per room (tags, m.fully_read, push rules): it concerns its owner only. */
export const accountDataStream: StateStream = {
  name: 'account data',
  position: (store) => lastPosition(store, 'account_data'),
  changes: (store, from, to) => ({ rooms: [], users: columnBetween(store, 'account_data', 'user_id', from, to) }),
};
