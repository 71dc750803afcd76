import Type from 'typebox';
import { query } from '../../subnet/index.ts';
import { oneTimeKeyCounts, unusedFallbackKeyTypes } from './device-keys.ts';
import { type DeviceLists, deviceListsSince } from './device-lists.ts';
import { type ToDeviceBatch, toDeviceBatch } from './to-device.ts';

export interface EncryptionSync {
  to_device: ToDeviceBatch;
  /** Only for an incremental sync, as the specification says. */
  device_lists: DeviceLists | undefined;
  device_one_time_keys_count: Record<string, number>;
  device_unused_fallback_key_types: string[];
}

const Position = Type.Integer({ minimum: 0 });

/** The encryption sections of a /sync, and what wakes a waiting one. */
export const encryptionSyncQueries = {
  /**
   * For the caller's device: to-device messages after `to_device_since` (all pending on an
   * initial sync), device list changes since `since`, and its key counts.
   */
  encryption_sync: query(
    Type.Object(
      { device_id: Type.String({ maxLength: 255 }), since: Type.Optional(Position), to_device_since: Type.Optional(Position) },
      { additionalProperties: false },
    ),
    (ctx, args): EncryptionSync => ({
      to_device: toDeviceBatch(ctx.store, ctx.caller, args.device_id, args.to_device_since ?? 0, args.to_device_since),
      device_lists: args.since === undefined ? undefined : deviceListsSince(ctx.store, ctx.caller, args.since),
      device_one_time_keys_count: oneTimeKeyCounts(ctx.store, ctx.caller, args.device_id),
      device_unused_fallback_key_types: unusedFallbackKeyTypes(ctx.store, ctx.caller, args.device_id),
    }),
  ),
  /** GET /keys/changes: device list changes since a sync token's stream position. */
  keys_changes: query(Type.Object({ from: Position }, { additionalProperties: false }), (ctx, args) =>
    deviceListsSince(ctx.store, ctx.caller, args.from),
  ),
  /**
   * What happened after stream position `after` that waiting syncs must hear of: users with
   * new to-device messages, users whose device lists changed together with the rooms they
   * are in (whose members must fetch their keys again), and users who signed someone's key.
   */
  encryption_news: query(Type.Object({ after: Position }, { additionalProperties: false }), (ctx, args) => {
    const position = ctx.store.get<{ name: string; value: number }>('counters', 'stream')?.value ?? 0;
    if (args.after >= position) return { position, users: [], rooms: [] };
    const recipients = ctx.store
      .select<{ user_id: string }>('SELECT DISTINCT user_id FROM {to_device_messages} WHERE stream > ? ORDER BY user_id', args.after)
      .map((row) => row.user_id);
    const changed = ctx.store
      .select<{ user_id: string }>('SELECT user_id FROM {device_list_changes} WHERE stream > ? ORDER BY user_id', args.after)
      .map((row) => row.user_id);
    const signers = ctx.store
      .select<{ user_id: string }>('SELECT DISTINCT user_id FROM {signature_changes} WHERE stream > ? ORDER BY user_id', args.after)
      .map((row) => row.user_id);
    const rooms =
      changed.length === 0
        ? []
        : ctx.store
            .select<{ room_id: string }>(
              `SELECT DISTINCT room_id FROM {memberships} WHERE membership = 'join' AND user_id IN (SELECT value FROM json_each(?)) ORDER BY room_id`,
              JSON.stringify(changed),
            )
            .map((row) => row.room_id);
    return { position, users: [...new Set([...recipients, ...changed, ...signers])].sort(), rooms };
  }),
};
