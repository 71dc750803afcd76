import Type from 'typebox';
import { type AppStore, method, type TableSpec } from '../../subnet/index.ts';
import type { JsonObject } from '../events/index.ts';
import { nextStream } from './room-events.ts';

/**
 * Send-to-device messages (client-server §Send-to-Device messaging): queued per device at a
 * stream position, delivered by that device's sync in order, and deleted once the device
 * syncs from a token past them. Their content (Olm ciphertext, for the keys of encrypted
 * rooms) travels as the JSON string the sender gave.
 */
export const toDeviceTables: TableSpec[] = [
  {
    name: 'to_device_messages',
    columns: { user_id: 'text', device_id: 'text', stream: 'integer', sender: 'text', type: 'text', content: 'text' },
    primaryKey: ['user_id', 'device_id', 'stream'],
    indexes: [['stream']],
  },
  // A device's sendToDevice transactions, so a retried request queues nothing twice.
  {
    name: 'to_device_transactions',
    columns: { user_id: 'text', device_id: 'text', txn_id: 'text' },
    primaryKey: ['user_id', 'device_id', 'txn_id'],
  },
];

/** How many messages one sync delivers at most (the specification recommends 100). */
export const TO_DEVICE_BATCH = 100;

const Id = Type.String({ minLength: 1, maxLength: 255 });

export const toDeviceMethods = {
  /**
   * Queues `type` messages from the caller's device: `messages` maps user id to device id
   * (or `*`, every device the user has) to the content's JSON. A message for one device
   * wins over the user's `*`. Unknown users and devices receive nothing.
   */
  send_to_device: method(
    Type.Object(
      {
        device_id: Id,
        txn_id: Id,
        type: Id,
        messages: Type.Record(Id, Type.Record(Id, Type.String({ maxLength: 65_536 }), { maxProperties: 10_000 }), {
          maxProperties: 10_000,
        }),
      },
      { additionalProperties: false },
    ),
    (ctx, args) => {
      const txn = { user_id: ctx.caller, device_id: args.device_id, txn_id: args.txn_id };
      if (ctx.store.get('to_device_transactions', txn)) return {};
      ctx.store.insert('to_device_transactions', txn);
      const stream = nextStream(ctx);
      for (const userId of Object.keys(args.messages).sort()) {
        const byDevice = args.messages[userId] as Record<string, string>;
        const devices = ctx.store
          .select<{ device_id: string }>('SELECT device_id FROM {devices} WHERE user_id = ? ORDER BY device_id', userId)
          .map((row) => row.device_id);
        for (const deviceId of devices) {
          const content = byDevice[deviceId] ?? byDevice['*'];
          if (content === undefined) continue;
          ctx.store.insert('to_device_messages', {
            user_id: userId,
            device_id: deviceId,
            stream,
            sender: ctx.caller,
            type: args.type,
            content,
          });
        }
      }
      return {};
    },
  ),
  /** The device synced from `up_to`: the messages it was given up to there have arrived. */
  acknowledge_to_device: method(
    Type.Object({ device_id: Id, up_to: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }),
    (ctx, args) => {
      const delivered = ctx.store.select<{ stream: number }>(
        'SELECT stream FROM {to_device_messages} WHERE user_id = ? AND device_id = ? AND stream <= ? ORDER BY stream',
        ctx.caller,
        args.device_id,
        args.up_to,
      );
      for (const { stream } of delivered)
        ctx.store.delete('to_device_messages', { user_id: ctx.caller, device_id: args.device_id, stream });
      return { deleted: delivered.length };
    },
  ),
};

export interface ToDeviceBatch {
  events: { sender: string; type: string; content: JsonObject }[];
  /** The stream position delivery has reached: the last message given when more wait, else undefined (all of them). */
  reached: number | undefined;
  /** The stream position of the last message given, if any. */
  last: number | undefined;
  /** Whether messages the device has already acknowledged by syncing past them are still stored. */
  acknowledgedPending: boolean;
}

/** The device's messages after `after`, at most TO_DEVICE_BATCH, oldest first. */
export function toDeviceBatch(
  store: AppStore,
  userId: string,
  deviceId: string,
  after: number,
  acknowledged: number | undefined,
): ToDeviceBatch {
  const rows = store.select<{ stream: number; sender: string; type: string; content: string }>(
    'SELECT stream, sender, type, content FROM {to_device_messages} WHERE user_id = ? AND device_id = ? AND stream > ? ORDER BY stream LIMIT ?',
    userId,
    deviceId,
    after,
    TO_DEVICE_BATCH + 1,
  );
  const batch = rows.slice(0, TO_DEVICE_BATCH);
  return {
    events: batch.map((row) => ({ sender: row.sender, type: row.type, content: JSON.parse(row.content) as JsonObject })),
    reached: rows.length > TO_DEVICE_BATCH ? batch[batch.length - 1]?.stream : undefined,
    last: batch[batch.length - 1]?.stream,
    acknowledgedPending: acknowledgedPending(store, userId, deviceId, acknowledged),
  };
}

/** The batch when nothing arrived after `acknowledged` (the caller knows it from the stream's records). */
export function emptyToDeviceBatch(store: AppStore, userId: string, deviceId: string, acknowledged: number | undefined): ToDeviceBatch {
  return {
    events: [],
    reached: undefined,
    last: undefined,
    acknowledgedPending: acknowledgedPending(store, userId, deviceId, acknowledged),
  };
}

/** Whether messages the device acknowledged by syncing past `acknowledged` are still stored. */
function acknowledgedPending(store: AppStore, userId: string, deviceId: string, acknowledged: number | undefined): boolean {
  if (acknowledged === undefined) return false;
  // Every sync asks: the device's oldest stored message is kept until to-device messages are sent or deleted.
  const oldest = store.remembered(
    'oldest_to_device',
    `${userId}\n${deviceId}`,
    ['to_device_messages'],
    () =>
      store.selectOne<{ stream: number | null }>(
        'SELECT MIN(stream) AS stream FROM {to_device_messages} WHERE user_id = ? AND device_id = ?',
        userId,
        deviceId,
      )?.stream ?? null,
  );
  return oldest !== null && oldest <= acknowledged;
}

/** A device that is going away takes its queue and its transactions with it. */
export function forgetDeviceMessages(store: AppStore, userId: string, deviceId: string): void {
  const queued = store.select<{ stream: number }>(
    'SELECT stream FROM {to_device_messages} WHERE user_id = ? AND device_id = ? ORDER BY stream',
    userId,
    deviceId,
  );
  for (const { stream } of queued) store.delete('to_device_messages', { user_id: userId, device_id: deviceId, stream });
  const transactions = store.select<{ txn_id: string }>(
    'SELECT txn_id FROM {to_device_transactions} WHERE user_id = ? AND device_id = ? ORDER BY txn_id',
    userId,
    deviceId,
  );
  for (const { txn_id } of transactions) store.delete('to_device_transactions', { user_id: userId, device_id: deviceId, txn_id });
}
