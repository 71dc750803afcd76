import Type from 'typebox';
import { query } from '../../subnet/index.ts';
import { deviceListStream, membershipStream, toDeviceStream } from '../sync/streams/index.ts';
import { oneTimeKeyCounts, unusedFallbackKeyTypes } from './device-keys.ts';
import { type DeviceLists, deviceListsSince } from './device-lists.ts';
import { streamHead } from './room-tables.ts';
import { existingStreamNews } from './sync-news.ts';
import { emptyToDeviceBatch, type ToDeviceBatch, toDeviceBatch } from './to-device.ts';

export interface EncryptionSync {
  to_device: ToDeviceBatch;
  /** Only for an incremental sync, as the specification says. */
  device_lists: DeviceLists | undefined;
  device_one_time_keys_count: Record<string, number>;
  device_unused_fallback_key_types: string[];
}

const Position = Type.Integer({ minimum: 0 });

/** The encryption sections of a /sync. */
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
    (ctx, args): EncryptionSync => {
      const { since, to_device_since: toDeviceSince } = args;
      const deviceKey = `${ctx.caller}\n${args.device_id}`;
      // What the streams recorded as blocks were applied tells when there is nothing to look up.
      const records = since === undefined ? undefined : existingStreamNews(ctx.store);
      const covered = records !== undefined && since !== undefined && records.covers(since, streamHead(ctx.store));
      const noMessages =
        covered && toDeviceSince !== undefined && toDeviceSince >= since && !records.userChanged(toDeviceStream.name, ctx.caller, since);
      // A device list is news after a key change, a signature or a membership change anywhere (device-lists.ts says whose).
      const noListChanges =
        covered && !records.streamChanged(deviceListStream.name, since) && !records.streamChanged(membershipStream.name, since);
      return {
        to_device: noMessages
          ? emptyToDeviceBatch(ctx.store, ctx.caller, args.device_id, toDeviceSince)
          : toDeviceBatch(ctx.store, ctx.caller, args.device_id, toDeviceSince ?? 0, toDeviceSince),
        device_lists:
          since === undefined ? undefined : noListChanges ? { changed: [], left: [] } : deviceListsSince(ctx.store, ctx.caller, since),
        // Kept between syncs until keys are uploaded or claimed anywhere.
        device_one_time_keys_count: ctx.store.remembered('one_time_key_counts', deviceKey, ['one_time_keys'], () =>
          oneTimeKeyCounts(ctx.store, ctx.caller, args.device_id),
        ),
        device_unused_fallback_key_types: ctx.store.remembered('unused_fallback_keys', deviceKey, ['fallback_keys'], () =>
          unusedFallbackKeyTypes(ctx.store, ctx.caller, args.device_id),
        ),
      };
    },
  ),
  /** GET /keys/changes: device list changes since a sync token's stream position. */
  keys_changes: query(Type.Object({ from: Position }, { additionalProperties: false }), (ctx, args) =>
    deviceListsSince(ctx.store, ctx.caller, args.from),
  ),
};
