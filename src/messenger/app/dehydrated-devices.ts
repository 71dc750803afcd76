import Type from 'typebox';
import { AppError, type AppStore, method, query, type TableSpec } from '../../subnet/index.ts';
import type { JsonObject } from '../events/index.ts';
import { openDevice, removeDevice } from './accounts.ts';
import { DeviceKeysSchema, OneTimeKeysSchema, publishKeys } from './device-keys.ts';
import { toDeviceBatch } from './to-device.ts';

/**
 * Dehydrated devices (MSC3814, what matrix-js-sdk's `startDehydration` uses): a device with
 * keys but no session, whose private part the client keeps encrypted on the server
 * (`device_data`, under a key from secret storage), so that room keys sent while all of a
 * person's devices are away still reach them. One per user; a new one replaces the old, which
 * is deleted like any other device.
 */
export const dehydratedDeviceTables: TableSpec[] = [
  { name: 'dehydrated_devices', columns: { user_id: 'text', device_id: 'text', device_data: 'text' }, primaryKey: ['user_id'] },
];

const Id = Type.String({ minLength: 1, maxLength: 255 });

export const dehydratedDeviceMethods = {
  put_dehydrated_device: method(
    Type.Object(
      {
        device_id: Id,
        display_name: Type.Optional(Type.String({ maxLength: 255 })),
        device_data: Type.String({ maxLength: 65_536 }),
        device_keys: DeviceKeysSchema,
        one_time_keys: Type.Optional(OneTimeKeysSchema),
        fallback_keys: Type.Optional(OneTimeKeysSchema),
      },
      { additionalProperties: false },
    ),
    (ctx, args) => {
      const previous = ctx.store.get<{ device_id: string }>('dehydrated_devices', ctx.caller);
      if (previous?.device_id !== args.device_id && ctx.store.get('devices', { user_id: ctx.caller, device_id: args.device_id }))
        throw new AppError('M_INVALID_PARAM', `you already have a device ${args.device_id}; a dehydrated device needs a new id`);
      if (previous && previous.device_id !== args.device_id) removeDevice(ctx.store, ctx.caller, previous.device_id);
      openDevice(ctx.store, ctx.time, ctx.caller, args.device_id, args.display_name);
      publishKeys(ctx, ctx.caller, args.device_id, args);
      ctx.store.put('dehydrated_devices', { user_id: ctx.caller, device_id: args.device_id, device_data: args.device_data });
      return { device_id: args.device_id };
    },
  ),
  delete_dehydrated_device: method(Type.Object({}, { additionalProperties: false }), (ctx) => {
    const current = ctx.store.get<{ device_id: string }>('dehydrated_devices', ctx.caller);
    if (!current) throw new AppError('M_NOT_FOUND', 'you have no dehydrated device');
    removeDevice(ctx.store, ctx.caller, current.device_id);
    return { device_id: current.device_id };
  }),
};

export const dehydratedDeviceQueries = {
  dehydrated_device: query(Type.Object({}, { additionalProperties: false }), (ctx) => {
    const current = ctx.store.get<{ device_id: string; device_data: string }>('dehydrated_devices', ctx.caller);
    if (!current) throw new AppError('M_NOT_FOUND', 'you have no dehydrated device');
    return { device_id: current.device_id, device_data: JSON.parse(current.device_data) as JsonObject };
  }),
  /** The to-device messages queued for the dehydrated device after `from`; `next_batch` while there may be more. */
  dehydrated_device_events: query(
    Type.Object({ device_id: Id, from: Type.Optional(Type.Integer({ minimum: 0 })) }, { additionalProperties: false }),
    (ctx, args) => {
      assertDehydrated(ctx.store, ctx.caller, args.device_id);
      const batch = toDeviceBatch(ctx.store, ctx.caller, args.device_id, args.from ?? 0, args.from);
      return {
        events: batch.events,
        // No next_batch once there is nothing more: that is how the client knows it has everything.
        ...(batch.last !== undefined ? { next_batch: String(batch.last) } : {}),
        acknowledged_pending: batch.acknowledgedPending,
      };
    },
  ),
};

function assertDehydrated(store: AppStore, userId: string, deviceId: string): void {
  if (store.get<{ device_id: string }>('dehydrated_devices', userId)?.device_id !== deviceId)
    throw new AppError('M_NOT_FOUND', `${deviceId} is not your dehydrated device`);
}
