import type { AppStore } from '../../subnet/index.ts';
import type { Pdu } from '../events/index.ts';
import type { EventRow } from './room-tables.ts';

const KNOWN = ['world_readable', 'shared', 'invited', 'joined'];

/** A history_visibility value as the specification reads it: unset or unknown means `shared`. */
export function historyVisibility(value: unknown): string {
  return typeof value === 'string' && KNOWN.includes(value) ? value : 'shared';
}

/**
 * Whether `userId` may see `event`, by the rules of client-server §History visibility,
 * judged on the room as it was at the event. A history_visibility event is visible if the
 * rule before or after it allows; one's own membership event, if the membership before or
 * after it does. `current`, when the caller knows it, is the user's membership now and where
 * it took that value: a join from before the event was the membership at the event.
 */
export function canSee(store: AppStore, userId: string, event: EventRow, current?: CurrentMembership): boolean {
  // A member at the event sees it, whatever the visibility: no need to look up the history.
  if (current?.membership === 'join' && current.since < event.stream) return true;
  const before = membershipAt(store, event.room_id, userId, event.stream);
  const content = (JSON.parse(event.pdu) as Pdu).content;
  const visibilities = [event.visibility];
  if (event.type === 'm.room.history_visibility') visibilities.push(historyVisibility(content.history_visibility));
  const memberships = [before];
  if (event.type === 'm.room.member' && event.state_key === userId) memberships.push(String(content.membership));
  return visibilities.some((visibility) =>
    memberships.some((membership) => allows(visibility, membership, () => joinedAfter(store, event.room_id, userId, event.stream))),
  );
}

export interface CurrentMembership {
  membership: string;
  since: number;
}

function allows(visibility: string, membership: string | undefined, joinedLater: () => boolean): boolean {
  if (visibility === 'world_readable') return true;
  if (membership === 'join') return true;
  if (visibility === 'shared' && joinedLater()) return true;
  return visibility === 'invited' && membership === 'invite';
}

/** The user's membership just before stream position `stream`. */
function membershipAt(store: AppStore, roomId: string, userId: string, stream: number): string | undefined {
  return store.selectOne<{ membership: string }>(
    'SELECT membership FROM {membership_log} WHERE room_id = ? AND user_id = ? AND stream < ? ORDER BY stream DESC LIMIT 1',
    roomId,
    userId,
    stream,
  )?.membership;
}

function joinedAfter(store: AppStore, roomId: string, userId: string, stream: number): boolean {
  return (
    store.selectOne(
      "SELECT 1 AS one FROM {membership_log} WHERE room_id = ? AND user_id = ? AND stream > ? AND membership = 'join' LIMIT 1",
      roomId,
      userId,
      stream,
    ) !== undefined
  );
}
