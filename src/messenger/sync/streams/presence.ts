import type { RoomsSync } from '../../app/sync.ts';
import type { PresenceStore } from '../../presence.ts';
import type { SyncStream } from './stream.ts';

/**
 * Presence: this node's memory, serials of its own store. A change concerns the user and
 * everyone sharing a room with them; the notifier finds those rooms (the store knows none).
 */
export const presenceStream: SyncStream<PresenceStore> = {
  name: 'presence',
  position: (presence) => presence.position,
  // A user who changed again after `to` is named too: waking a sync once more than needed is harmless.
  changes: (presence, from) => ({ rooms: [], users: presence.changedSince(from) }),
};

/** Users this sync shows joining a room with the user, or already there in a room the user joined: their presence is news to the user. */
export function newlyMet(rooms: RoomsSync, userId: string): Set<string> {
  const users = new Set<string>();
  for (const room of Object.values(rooms.join)) {
    for (const event of [...room.state.events, ...room.timeline.events]) {
      if (event.type === 'm.room.member' && event.content.membership === 'join' && event.state_key && event.state_key !== userId)
        users.add(event.state_key);
    }
  }
  return users;
}
