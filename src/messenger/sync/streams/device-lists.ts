import { columnBetween, lastPosition, type StateStream } from './stream.ts';

/**
 * Device list changes: a user whose devices or cross-signing keys changed concerns everyone
 * who shares a joined room with them (whose clients must fetch their keys again), and a user
 * who signed someone's master key concerns that signer.
 */
export const deviceListStream: StateStream = {
  name: 'device lists',
  position: (store) => Math.max(lastPosition(store, 'device_list_changes'), lastPosition(store, 'signature_changes')),
  changes: (store, from, to) => {
    const changed = columnBetween(store, 'device_list_changes', 'user_id', from, to);
    const signers = columnBetween(store, 'signature_changes', 'user_id', from, to);
    const rooms =
      changed.length === 0
        ? []
        : store
            .select<{ room_id: string }>(
              `SELECT DISTINCT room_id FROM {memberships} WHERE membership = 'join' AND user_id IN (SELECT value FROM json_each(?)) ORDER BY room_id`,
              JSON.stringify(changed),
            )
            .map((row) => row.room_id);
    return { rooms, users: [...new Set([...changed, ...signers])].sort() };
  },
};
