import type { AppStore } from '../../subnet/index.ts';

export interface DeviceLists {
  changed: string[];
  left: string[];
}

/**
 * Whose device lists a user's client must fetch again since stream position `since`
 * (client-server §Tracking the device list for a user, and §Extensions to /sync):
 * `changed` — the user themself and everyone who shares a joined room with them whose devices
 * or cross-signing keys changed, plus everyone who has come to share a room with them, and
 * those whose master key they signed;
 * `left` — everyone who shared a room with them then and shares none now. All rooms count,
 * not only encrypted ones: a room may become encrypted at any time, and an extra name only
 * costs a client one /keys/query.
 */
export function deviceListsSince(store: AppStore, userId: string, since: number): DeviceLists {
  // Nothing to tell unless some device list or some membership changed after `since`: two
  // short index reads instead of joins over every co-member, on most syncs.
  const listNews = store.selectOne('SELECT 1 AS one FROM {device_list_changes} WHERE stream > ? LIMIT 1', since);
  const memberNews = store.selectOne("SELECT 1 AS one FROM {events} WHERE stream > ? AND type = 'm.room.member' LIMIT 1", since);
  // Users whose master key this user signed: their keys now carry a signature only this user sees.
  const signed = store.select<{ target_user_id: string }>(
    'SELECT target_user_id FROM {signature_changes} WHERE user_id = ? AND stream > ? ORDER BY target_user_id',
    userId,
    since,
  );
  if (!listNews && !memberNews) return { changed: signed.map((row) => row.target_user_id), left: [] };
  const changed = new Set(
    store
      .select<{ user_id: string }>(
        `SELECT DISTINCT c.user_id FROM {device_list_changes} c
         JOIN {memberships} theirs ON theirs.user_id = c.user_id AND theirs.membership = 'join'
         JOIN {memberships} mine ON mine.room_id = theirs.room_id AND mine.user_id = ? AND mine.membership = 'join'
         WHERE c.stream > ? ORDER BY c.user_id`,
        userId,
        since,
      )
      .map((row) => row.user_id),
  );
  const own = store.get<{ stream: number }>('device_list_changes', userId);
  if (own && own.stream > since) changed.add(userId);
  for (const { target_user_id } of signed) changed.add(target_user_id);
  const newlyShared = store.select<{ user_id: string }>(
    `SELECT DISTINCT theirs.user_id FROM {memberships} mine JOIN {memberships} theirs ON theirs.room_id = mine.room_id
     WHERE mine.user_id = ? AND mine.membership = 'join' AND theirs.membership = 'join' AND theirs.user_id <> ?
     AND (theirs.stream > ? OR mine.stream > ?) ORDER BY theirs.user_id`,
    userId,
    userId,
    since,
    since,
  );
  for (const { user_id } of newlyShared) changed.add(user_id);
  // Who may have stopped sharing a room: those who left one of my rooms, and the members of rooms I left.
  const candidates = store
    .select<{ user_id: string }>(
      `SELECT DISTINCT theirs.user_id FROM {memberships} mine JOIN {memberships} theirs ON theirs.room_id = mine.room_id
       WHERE mine.user_id = ? AND theirs.user_id <> ? AND (
         (mine.membership = 'join' AND theirs.membership <> 'join' AND theirs.stream > ?)
         OR (mine.membership IN ('leave', 'ban') AND mine.stream > ?)
       ) ORDER BY theirs.user_id`,
      userId,
      userId,
      since,
      since,
    )
    .map((row) => row.user_id);
  const left = candidates.filter((other) => !changed.has(other) && !sharesARoom(store, userId, other));
  return { changed: [...changed].sort(), left };
}

function sharesARoom(store: AppStore, userId: string, other: string): boolean {
  return (
    store.selectOne(
      `SELECT mine.room_id FROM {memberships} mine JOIN {memberships} theirs ON theirs.room_id = mine.room_id
       WHERE mine.user_id = ? AND theirs.user_id = ? AND mine.membership = 'join' AND theirs.membership = 'join' LIMIT 1`,
      userId,
      other,
    ) !== undefined
  );
}
