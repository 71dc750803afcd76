import type { TypingStore } from '../../typing.ts';
import type { SyncStream } from './stream.ts';

/** Who is typing: this node's memory, serials of its own; a change wakes the room's members. */
export const typingStream: SyncStream<TypingStore> = {
  name: 'typing',
  position: (typing) => typing.position,
  // A room that changed again after `to` is named too: waking a sync once more than needed is harmless.
  changes: (typing, from) => ({ rooms: typing.roomsChangedSince(from), users: [] }),
};
