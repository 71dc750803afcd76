import { columnBetween, lastPosition, type StateStream } from './stream.ts';

/**
 * Invites, joins and leaves: a membership change reaches the user it is about — an invitee
 * or someone kicked is not (or no longer) a member the room's news would wake.
 */
export const membershipStream: StateStream = {
  name: 'memberships',
  position: (store) => lastPosition(store, 'events'),
  changes: (store, from, to) => ({
    rooms: [],
    users: columnBetween(store, 'events', 'state_key', from, to, "AND type = 'm.room.member'"),
  }),
};
