import Type, { type Static } from 'typebox';
import { type AppContext, AppError, type AppStore, canonicalJson, method, type TableSpec } from '../../subnet/index.ts';
import type { JsonObject } from '../events/index.ts';
import { nextStream } from './room-events.ts';
import { ed25519PublicKey, hasValidSignature } from './signed-json.ts';

/**
 * Device keys, one-time keys and fallback keys (client-server §End-to-End Encryption, "Key
 * Distribution"). The server holds public keys only, checks that a device's keys are signed
 * by the device's own ed25519 key, and hands each one-time key out once. `device_list_changes`
 * keeps, per user, the stream position of the last change to their devices or cross-signing
 * keys: what sync's `device_lists.changed` and /keys/changes read.
 */
export const deviceKeyTables: TableSpec[] = [
  // keys_json: the device's signed key object as uploaded (without `unsigned`), canonical JSON.
  { name: 'device_keys', columns: { user_id: 'text', device_id: 'text', keys_json: 'text' }, primaryKey: ['user_id', 'device_id'] },
  {
    // uploaded_at: the height of the upload, because keys are claimed in the order they were uploaded.
    name: 'one_time_keys',
    columns: { user_id: 'text', device_id: 'text', key_id: 'text', algorithm: 'text', key_json: 'text', uploaded_at: 'integer' },
    primaryKey: ['user_id', 'device_id', 'key_id'],
    indexes: [['user_id', 'device_id', 'algorithm', 'uploaded_at']],
  },
  {
    name: 'fallback_keys',
    columns: { user_id: 'text', device_id: 'text', algorithm: 'text', key_id: 'text', key_json: 'text', used: 'integer' },
    primaryKey: ['user_id', 'device_id', 'algorithm'],
  },
  { name: 'device_list_changes', columns: { user_id: 'text', stream: 'integer' }, primaryKey: ['user_id'], indexes: [['stream']] },
];

const Id = Type.String({ minLength: 1, maxLength: 255 });
/** `<algorithm>:<key id>`. */
const KeyName = Type.String({ pattern: '^[^:]{1,100}:[^:]{1,255}$', maxLength: 300 });
const Signatures = Type.Record(
  Type.String({ maxLength: 255 }),
  Type.Record(Type.String({ maxLength: 300 }), Type.String({ maxLength: 1024 })),
);

/** A device's identity keys; other members are kept, since the device's signature covers them. */
export const DeviceKeysSchema = Type.Object({
  user_id: Id,
  device_id: Id,
  algorithms: Type.Array(Type.String({ maxLength: 255 }), { maxItems: 32 }),
  keys: Type.Record(Type.String({ maxLength: 300 }), Type.String({ maxLength: 1024 }), { maxProperties: 32 }),
  signatures: Signatures,
});
const KeyObject = Type.Object({ key: Type.String({ maxLength: 1024 }), signatures: Signatures });
/** One-time or fallback keys: a bare Base64 key (old `curve25519`) or a signed key object. */
export const OneTimeKeysSchema = Type.Record(KeyName, Type.Union([Type.String({ maxLength: 1024 }), KeyObject]), {
  maxProperties: 1000,
  // Names that are not `<algorithm>:<key id>` would otherwise pass as extra properties.
  additionalProperties: false,
});

type OneTimeKeys = Static<typeof OneTimeKeysSchema>;

export const deviceKeyMethods = {
  /**
   * /keys/upload for the caller's device `device_id` (the one its access token belongs to).
   * Refused whole if any signature fails, so a client never holds half an upload.
   */
  upload_keys: method(
    Type.Object(
      {
        device_id: Id,
        device_keys: Type.Optional(DeviceKeysSchema),
        one_time_keys: Type.Optional(OneTimeKeysSchema),
        fallback_keys: Type.Optional(OneTimeKeysSchema),
      },
      { additionalProperties: false },
    ),
    (ctx, args) => {
      const { store, caller: userId } = ctx;
      const deviceId = args.device_id;
      if (!store.get('devices', { user_id: userId, device_id: deviceId }))
        throw new AppError('M_FORBIDDEN', `you have no device ${deviceId}`);
      publishKeys(ctx, userId, deviceId, args);
      return { one_time_key_counts: oneTimeKeyCounts(store, userId, deviceId) };
    },
  ),
  /**
   * /keys/claim: for each device, its oldest one-time key of the algorithm, deleted as it is
   * given out, or else its fallback key (marked used). A subnet command, so two claims are
   * ordered and can never receive the same one-time key.
   */
  claim_keys: method(
    Type.Object(
      { one_time_keys: Type.Record(Id, Type.Record(Id, Type.String({ minLength: 1, maxLength: 100 }), { maxProperties: 1000 })) },
      { additionalProperties: false },
    ),
    (ctx, args) => {
      const claimed: Record<string, Record<string, Record<string, JsonObject | string>>> = {};
      for (const userId of Object.keys(args.one_time_keys).sort()) {
        const wanted = args.one_time_keys[userId] as Record<string, string>;
        for (const deviceId of Object.keys(wanted).sort()) {
          const key = claimOne(ctx.store, userId, deviceId, wanted[deviceId] as string);
          if (!key) continue;
          claimed[userId] ??= {};
          (claimed[userId] as Record<string, Record<string, JsonObject | string>>)[deviceId] = { [key.keyId]: key.value };
        }
      }
      return { one_time_keys: claimed };
    },
  ),
};

/** Stores what a device publishes: its identity keys first, since they sign its one-time and fallback keys. */
export function publishKeys(
  ctx: AppContext,
  userId: string,
  deviceId: string,
  keys: { device_keys?: Static<typeof DeviceKeysSchema>; one_time_keys?: OneTimeKeys; fallback_keys?: OneTimeKeys },
): void {
  if (keys.device_keys) storeDeviceKeys(ctx, userId, deviceId, keys.device_keys as unknown as JsonObject);
  const signingKey = deviceSigningKey(ctx.store, userId, deviceId);
  if (keys.one_time_keys) storeOneTimeKeys(ctx, userId, deviceId, signingKey, keys.one_time_keys);
  if (keys.fallback_keys) storeFallbackKeys(ctx.store, userId, deviceId, signingKey, keys.fallback_keys);
}

/** The device's ed25519 public key (unpadded Base64), if it has uploaded its device keys. */
export function deviceSigningKey(store: AppStore, userId: string, deviceId: string): string | undefined {
  const row = store.get<{ keys_json: string }>('device_keys', { user_id: userId, device_id: deviceId });
  if (!row) return undefined;
  const keys = (JSON.parse(row.keys_json) as { keys: Record<string, string> }).keys;
  return keys[`ed25519:${deviceId}`];
}

export function oneTimeKeyCounts(store: AppStore, userId: string, deviceId: string): Record<string, number> {
  const rows = store.select<{ algorithm: string; count: number }>(
    'SELECT algorithm, COUNT(*) AS count FROM {one_time_keys} WHERE user_id = ? AND device_id = ? GROUP BY algorithm ORDER BY algorithm',
    userId,
    deviceId,
  );
  return Object.fromEntries(rows.map((row) => [row.algorithm, row.count]));
}

/** The algorithms for which the device has a fallback key no claim has used yet. */
export function unusedFallbackKeyTypes(store: AppStore, userId: string, deviceId: string): string[] {
  return store
    .select<{ algorithm: string }>(
      'SELECT algorithm FROM {fallback_keys} WHERE user_id = ? AND device_id = ? AND used = 0 ORDER BY algorithm',
      userId,
      deviceId,
    )
    .map((row) => row.algorithm);
}

/**
 * Records that a user's devices or cross-signing keys changed, at a new stream position, so
 * that the syncs of everyone sharing a room with them list the user in `device_lists.changed`.
 */
export function markDeviceListChanged(store: AppStore, userId: string): void {
  // nextStream reads only the store: removeDevice, which calls this, has no more than that.
  const stream = nextStream({ store } as AppContext);
  store.put('device_list_changes', { user_id: userId, stream });
}

/** Everything the encryption layer kept for a device that is going away; its owner's room-mates hear of it. */
export function forgetDeviceKeys(store: AppStore, userId: string, deviceId: string): void {
  const device = { user_id: userId, device_id: deviceId };
  const hadKeys = store.delete('device_keys', device);
  const oneTimeKeys = store.select<{ key_id: string }>(
    'SELECT key_id FROM {one_time_keys} WHERE user_id = ? AND device_id = ? ORDER BY key_id',
    userId,
    deviceId,
  );
  for (const { key_id } of oneTimeKeys) store.delete('one_time_keys', { ...device, key_id });
  const fallbacks = store.select<{ algorithm: string }>(
    'SELECT algorithm FROM {fallback_keys} WHERE user_id = ? AND device_id = ? ORDER BY algorithm',
    userId,
    deviceId,
  );
  for (const { algorithm } of fallbacks) store.delete('fallback_keys', { ...device, algorithm });
  forgetSignaturesOn(store, userId, deviceId);
  const dehydrated = store.get<{ device_id: string }>('dehydrated_devices', userId);
  if (dehydrated?.device_id === deviceId) store.delete('dehydrated_devices', userId);
  if (hadKeys) markDeviceListChanged(store, userId);
}

function storeDeviceKeys(ctx: AppContext, userId: string, deviceId: string, keys: JsonObject): void {
  if (keys.user_id !== userId || keys.device_id !== deviceId)
    throw new AppError(
      'M_FORBIDDEN',
      `device_keys must be those of your own device (${userId}, ${deviceId}), not of another user or device`,
    );
  const publicKey = (keys.keys as Record<string, string>)[`ed25519:${deviceId}`];
  if (!ed25519PublicKey(publicKey))
    throw new AppError('M_INVALID_PARAM', `device_keys.keys must hold ed25519:${deviceId}, an ed25519 key in unpadded Base64`);
  if (!hasValidSignature(keys, userId, `ed25519:${deviceId}`, publicKey as string))
    throw new AppError('M_INVALID_SIGNATURE', `device_keys is not signed by its own key ed25519:${deviceId}`);
  const { unsigned: _unsigned, ...kept } = keys;
  const json = canonicalJson(kept);
  const device = { user_id: userId, device_id: deviceId };
  const current = ctx.store.get<{ keys_json: string }>('device_keys', device);
  if (current?.keys_json === json) return;
  ctx.store.put('device_keys', { ...device, keys_json: json });
  // Signatures made on the keys this device had no longer cover what it has now.
  if (current) forgetSignaturesOn(ctx.store, userId, deviceId);
  markDeviceListChanged(ctx.store, userId);
}

/** Cross-signatures on one of a user's keys (a device, or their master key); the cross-signing app keeps them. */
export function forgetSignaturesOn(store: AppStore, userId: string, keyId: string): void {
  const rows = store.select<{ signer_user_id: string; signer_key_id: string }>(
    'SELECT signer_user_id, signer_key_id FROM {key_signatures} WHERE user_id = ? AND key_id = ? ORDER BY signer_user_id, signer_key_id',
    userId,
    keyId,
  );
  for (const row of rows) store.delete('key_signatures', { user_id: userId, key_id: keyId, ...row });
}

function storeOneTimeKeys(ctx: AppContext, userId: string, deviceId: string, signingKey: string | undefined, keys: OneTimeKeys): void {
  for (const keyId of Object.keys(keys).sort()) {
    const value = keys[keyId] as string | JsonObject;
    checkKey(userId, deviceId, signingKey, keyId, value, 'one_time_keys');
    const json = canonicalJson(value);
    const row = { user_id: userId, device_id: deviceId, key_id: keyId };
    const existing = ctx.store.get<{ key_json: string }>('one_time_keys', row);
    if (existing) {
      // A retried upload is harmless; a different key under a used id would confuse the device that made it.
      if (existing.key_json !== json) throw new AppError('M_INVALID_PARAM', `one-time key ${keyId} already exists with another value`);
      continue;
    }
    ctx.store.insert('one_time_keys', { ...row, algorithm: algorithmOf(keyId), key_json: json, uploaded_at: ctx.height });
  }
}

/** One fallback key per algorithm: a new one replaces the old and is unused; the same one again changes nothing. */
function storeFallbackKeys(store: AppStore, userId: string, deviceId: string, signingKey: string | undefined, keys: OneTimeKeys): void {
  const byAlgorithm = new Map<string, string>();
  for (const keyId of Object.keys(keys).sort()) {
    checkKey(userId, deviceId, signingKey, keyId, keys[keyId] as string | JsonObject, 'fallback_keys');
    if (byAlgorithm.has(algorithmOf(keyId))) throw new AppError('M_INVALID_PARAM', `fallback_keys holds two keys of ${algorithmOf(keyId)}`);
    byAlgorithm.set(algorithmOf(keyId), keyId);
  }
  for (const [algorithm, keyId] of byAlgorithm) {
    const json = canonicalJson(keys[keyId]);
    const key = { user_id: userId, device_id: deviceId, algorithm };
    const current = store.get<{ key_id: string; key_json: string }>('fallback_keys', key);
    if (current?.key_id === keyId && current.key_json === json) continue;
    store.put('fallback_keys', { ...key, key_id: keyId, key_json: json, used: 0 });
  }
}

/** A signed key must carry a valid signature by the device's ed25519 key, which must therefore be known. */
function checkKey(
  userId: string,
  deviceId: string,
  signingKey: string | undefined,
  keyId: string,
  value: string | JsonObject,
  field: string,
): void {
  if (typeof value === 'string') return;
  if (!signingKey) throw new AppError('M_INVALID_PARAM', `${field} are signed by the device key: upload device_keys first, or with them`);
  if (!hasValidSignature(value, userId, `ed25519:${deviceId}`, signingKey))
    throw new AppError('M_INVALID_SIGNATURE', `${field}.${keyId} is not signed by the device's key ed25519:${deviceId}`);
}

function claimOne(
  store: AppStore,
  userId: string,
  deviceId: string,
  algorithm: string,
): { keyId: string; value: JsonObject | string } | undefined {
  const oneTime = store.selectOne<{ key_id: string; key_json: string }>(
    `SELECT key_id, key_json FROM {one_time_keys} WHERE user_id = ? AND device_id = ? AND algorithm = ?
     ORDER BY uploaded_at, key_id LIMIT 1`,
    userId,
    deviceId,
    algorithm,
  );
  if (oneTime) {
    store.delete('one_time_keys', { user_id: userId, device_id: deviceId, key_id: oneTime.key_id });
    return { keyId: oneTime.key_id, value: JSON.parse(oneTime.key_json) as JsonObject | string };
  }
  const key = { user_id: userId, device_id: deviceId, algorithm };
  const fallback = store.get<{ key_id: string; key_json: string; used: number }>('fallback_keys', key);
  if (!fallback) return undefined;
  if (fallback.used === 0) store.update('fallback_keys', key, { used: 1 });
  return { keyId: fallback.key_id, value: JSON.parse(fallback.key_json) as JsonObject | string };
}

function algorithmOf(keyId: string): string {
  return keyId.slice(0, keyId.indexOf(':'));
}
