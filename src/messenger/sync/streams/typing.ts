import type { RoomsSync } from '../../app/sync.ts';
import type { TypingStore } from '../../typing.ts';
import { formatStreamToken } from '../token.ts';
import type { SyncStream } from './stream.ts';

/** Who is typing: this node's memory, serials of its own; a change wakes the room's members. */
export const typingStream: SyncStream<TypingStore> = {
  name: 'typing',
  position: (typing) => typing.position,
  // A room that changed again after `to` is named too: waking a sync once more than needed is harmless.
  changes: (typing, from) => ({ rooms: typing.roomsChangedSince(from), users: [] }),
};

/** Adds m.typing to every joined room whose typing changed since the token; true if any did. */
export function addTypingSection(rooms: RoomsSync, joined: readonly string[], typing: TypingStore, since: number | undefined): boolean {
  let added = false;
  for (const roomId of joined) {
    const users = typing.usersTyping(roomId);
    const changed = since === undefined ? users.length > 0 : typing.changedSince(roomId, since);
    if (!changed) continue;
    const room = rooms.join[roomId] ?? {
      state: { events: [] },
      timeline: { events: [], limited: false, prev_batch: formatStreamToken(rooms.position) },
      ephemeral: { events: [] },
      account_data: { events: [] },
      unread_notifications: { notification_count: 0, highlight_count: 0 },
    };
    rooms.join[roomId] = room;
    room.ephemeral.events.push({ type: 'm.typing', content: { user_ids: users } });
    added = true;
  }
  return added;
}
