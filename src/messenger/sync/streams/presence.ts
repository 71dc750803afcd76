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
