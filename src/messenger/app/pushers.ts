import Type from 'typebox';
import { AppError, type AppStore, method, query, type TableSpec } from '../../subnet/index.ts';
import type { JsonObject } from '../events/index.ts';

/**
 * Pushers (client-server §Push notifications): where a device wants its notifications sent.
 * One per app id and push key for a user, set by a device and kept with it: signing the
 * device out (which ends its one access token) or deleting it removes its pushers.
 * Delivery to the push gateway is not there yet; the pushers are kept so that clients can
 * manage them and delivery can begin without asking anyone to set them again.
 */
export const pusherTables: TableSpec[] = [
  {
    name: 'pushers',
    columns: {
      user_id: 'text',
      app_id: 'text',
      pushkey: 'text',
      device_id: 'text',
      kind: 'text',
      app_display_name: 'text',
      device_display_name: 'text',
      profile_tag: 'text?',
      lang: 'text',
      data: 'text',
    },
    primaryKey: ['user_id', 'app_id', 'pushkey'],
    indexes: [
      ['app_id', 'pushkey'],
      ['user_id', 'device_id'],
    ],
  },
];

interface PusherRow {
  [column: string]: string | null;
  user_id: string;
  app_id: string;
  pushkey: string;
  device_id: string;
  kind: string;
  app_display_name: string;
  device_display_name: string;
  profile_tag: string | null;
  lang: string;
  data: string;
}

const Text = Type.String({ maxLength: 255 });

/** A pusher as /pushers/set gives it once ingress has checked it; `data_json` is its data object. */
const PusherArgs = Type.Object(
  {
    app_id: Type.String({ minLength: 1, maxLength: 64 }),
    pushkey: Type.String({ minLength: 1, maxLength: 512 }),
    kind: Type.Literal('http'),
    app_display_name: Text,
    device_display_name: Text,
    profile_tag: Type.Optional(Text),
    lang: Type.String({ maxLength: 64 }),
    data_json: Type.String({ maxLength: 4096 }),
  },
  { additionalProperties: false },
);

export const pusherMethods = {
  /**
   * Creates or replaces the caller's pusher for (app_id, pushkey), owned by `device_id`;
   * unless `append`, the same app id and push key is taken away from every other user, as
   * the specification asks (one phone's push key is one person's).
   */
  set_pusher: method(
    Type.Object(
      { device_id: Type.String({ minLength: 1, maxLength: 255 }), pusher: PusherArgs, append: Type.Boolean() },
      { additionalProperties: false },
    ),
    (ctx, args) => {
      if (!ctx.store.get('devices', { user_id: ctx.caller, device_id: args.device_id }))
        throw new AppError('M_FORBIDDEN', `${args.device_id} is not one of your devices`);
      const { data_json, profile_tag, ...pusher } = args.pusher;
      if (!args.append) {
        for (const other of pushersOfKey(ctx.store, pusher.app_id, pusher.pushkey)) {
          if (other !== ctx.caller) ctx.store.delete('pushers', { user_id: other, app_id: pusher.app_id, pushkey: pusher.pushkey });
        }
      }
      ctx.store.put('pushers', {
        user_id: ctx.caller,
        device_id: args.device_id,
        ...pusher,
        profile_tag: profile_tag ?? null,
        data: data_json,
      });
      return {};
    },
  ),
  /** Deletes the caller's pusher for (app_id, pushkey); deleting one that is not there does nothing. */
  delete_pusher: method(
    Type.Object({ app_id: Type.String({ maxLength: 64 }), pushkey: Type.String({ maxLength: 512 }) }, { additionalProperties: false }),
    (ctx, args) => {
      ctx.store.delete('pushers', { user_id: ctx.caller, app_id: args.app_id, pushkey: args.pushkey });
      return {};
    },
  ),
};

export const pusherQueries = {
  pushers: query(Type.Object({}, { additionalProperties: false }), (ctx) =>
    ctx.store.select<PusherRow>('SELECT * FROM {pushers} WHERE user_id = ? ORDER BY app_id, pushkey', ctx.caller).map((row) => ({
      pushkey: row.pushkey,
      kind: row.kind,
      app_id: row.app_id,
      app_display_name: row.app_display_name,
      device_display_name: row.device_display_name,
      ...(row.profile_tag !== null ? { profile_tag: row.profile_tag } : {}),
      lang: row.lang,
      data: JSON.parse(row.data) as JsonObject,
    })),
  ),
};

/** A device's pushers go with the device (signing out, deletion, deactivation). */
export function forgetDevicePushers(store: AppStore, userId: string, deviceId: string): void {
  const rows = store.select<{ app_id: string; pushkey: string }>(
    'SELECT app_id, pushkey FROM {pushers} WHERE user_id = ? AND device_id = ? ORDER BY app_id, pushkey',
    userId,
    deviceId,
  );
  for (const row of rows) store.delete('pushers', { user_id: userId, ...row });
}

function pushersOfKey(store: AppStore, appId: string, pushkey: string): string[] {
  return store
    .select<{ user_id: string }>('SELECT user_id FROM {pushers} WHERE app_id = ? AND pushkey = ? ORDER BY user_id', appId, pushkey)
    .map((row) => row.user_id);
}
