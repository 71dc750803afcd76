import { AppError, type AppStore } from '../../subnet/index.ts';
import type { EventRow } from './room-tables.ts';
import { canSee } from './visibility.ts';

export interface MembershipRow {
  [column: string]: string | number | null;
  membership: string;
  event_id: string;
  stream: number;
  visible_until: number | null;
}

export function membershipOf(store: AppStore, roomId: string, userId: string): MembershipRow | undefined {
  return store.get<MembershipRow>('memberships', { user_id: userId, room_id: roomId });
}

export function hasForgotten(store: AppStore, roomId: string, userId: string): boolean {
  return store.get('forgotten_rooms', { user_id: userId, room_id: roomId }) !== undefined;
}

export function requireJoined(store: AppStore, userId: string, roomId: string): void {
  if (membershipOf(store, roomId, userId)?.membership !== 'join') {
    throw new AppError('M_FORBIDDEN', `${userId} is not in room ${roomId}`);
  }
}

/**
 * Whether the user may read a room's history at all: joined now, joined once, or invited, and
 * not since forgotten it. Which events they then see is for the history-visibility rules to
 * say, event by event.
 */
export function requireStanding(store: AppStore, userId: string, roomId: string): void {
  const membership = membershipOf(store, roomId, userId);
  const standing = membership?.membership === 'join' || membership?.membership === 'invite' || (membership?.visible_until ?? null) !== null;
  if (!standing) throw new AppError('M_FORBIDDEN', `${userId} is not in room ${roomId}`);
  if (hasForgotten(store, roomId, userId)) {
    throw new AppError('M_FORBIDDEN', `${userId} has forgotten room ${roomId}; its history is readable again only after rejoining`);
  }
}

/**
 * The event `eventId` of the room, when the user may see it; one answer for "no such event"
 * and "not yours to see", so the answer does not tell which.
 */
export function visibleEvent(store: AppStore, userId: string, roomId: string, eventId: string): EventRow {
  const row = store.get<EventRow>('events', eventId);
  if (!row || row.room_id !== roomId || hasForgotten(store, roomId, userId) || !canSee(store, userId, row)) {
    throw new AppError('M_NOT_FOUND', 'no such event in this room, or you may not see it');
  }
  return row;
}
