import Type from 'typebox';
import { type AppStore, query } from '../../subnet/index.ts';
import type { JsonObject } from '../events/index.ts';
import { crossSigningKey } from './cross-signing.ts';

type Signed = JsonObject & { signatures?: Record<string, Record<string, string>> };

/**
 * /keys/query: device keys and cross-signing keys of local users, with the signatures the
 * asker may see (client-server §Key and signature security): on devices, their owner's
 * self-signing signatures; on master keys, their owner's devices' and the asker's own
 * user-signing signature — never another user's user-signing signatures.
 */
export const keyQueryQueries = {
  query_keys: query(
    Type.Object(
      { device_keys: Type.Record(Type.String({ maxLength: 255 }), Type.Array(Type.String({ maxLength: 255 }), { maxItems: 1000 })) },
      { additionalProperties: false },
    ),
    (ctx, args) => {
      const deviceKeys: Record<string, Record<string, JsonObject>> = {};
      const masterKeys: Record<string, JsonObject> = {};
      const selfSigningKeys: Record<string, JsonObject> = {};
      const userSigningKeys: Record<string, JsonObject> = {};
      for (const userId of Object.keys(args.device_keys).sort()) {
        if (!ctx.store.get('users', userId)) continue;
        deviceKeys[userId] = devicesOf(ctx.store, userId, args.device_keys[userId] as string[]);
        const master = crossSigningKey(ctx.store, userId, 'master');
        if (master) masterKeys[userId] = withSignatures(ctx.store, master.json, userId, master.publicKey, [userId, ctx.caller]);
        const selfSigning = crossSigningKey(ctx.store, userId, 'self_signing');
        if (selfSigning) selfSigningKeys[userId] = JSON.parse(selfSigning.json) as JsonObject;
        const userSigning = userId === ctx.caller ? crossSigningKey(ctx.store, userId, 'user_signing') : undefined;
        if (userSigning) userSigningKeys[userId] = JSON.parse(userSigning.json) as JsonObject;
      }
      return {
        device_keys: deviceKeys,
        master_keys: masterKeys,
        self_signing_keys: selfSigningKeys,
        user_signing_keys: userSigningKeys,
      };
    },
  ),
};

/** The user's devices that have uploaded keys (all of them for an empty list), each with its display name. */
function devicesOf(store: AppStore, userId: string, wanted: readonly string[]): Record<string, JsonObject> {
  const rows = store.select<{ device_id: string; keys_json: string; display_name: string | null }>(
    `SELECT k.device_id, k.keys_json, d.display_name FROM {device_keys} k
     LEFT JOIN {devices} d ON d.user_id = k.user_id AND d.device_id = k.device_id
     WHERE k.user_id = ? ORDER BY k.device_id`,
    userId,
  );
  const only = new Set(wanted);
  const devices: Record<string, JsonObject> = {};
  for (const row of rows) {
    if (only.size > 0 && !only.has(row.device_id)) continue;
    const keys = withSignatures(store, row.keys_json, userId, row.device_id, [userId]);
    devices[row.device_id] = { ...keys, unsigned: row.display_name ? { device_display_name: row.display_name } : {} };
  }
  return devices;
}

/** The stored key object with the uploaded signatures on it made by `signers`, merged in. */
function withSignatures(store: AppStore, json: string, userId: string, keyId: string, signers: readonly string[]): JsonObject {
  const key = JSON.parse(json) as Signed;
  const rows = store.select<{ signer_user_id: string; signer_key_id: string; signature: string }>(
    `SELECT signer_user_id, signer_key_id, signature FROM {key_signatures} WHERE user_id = ? AND key_id = ?
     ORDER BY signer_user_id, signer_key_id`,
    userId,
    keyId,
  );
  const signatures: Record<string, Record<string, string>> = { ...(key.signatures ?? {}) };
  for (const row of rows) {
    if (!signers.includes(row.signer_user_id)) continue;
    signatures[row.signer_user_id] = { ...(signatures[row.signer_user_id] ?? {}), [row.signer_key_id]: row.signature };
  }
  // A key uploaded without signatures (a master key may be) is served as it was, if none were added.
  return Object.keys(signatures).length > 0 || key.signatures !== undefined ? { ...key, signatures } : key;
}
