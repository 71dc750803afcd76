import Type, { type Static } from 'typebox';
import { AppError, type AppStore, canonicalJson, method, type TableSpec } from '../../subnet/index.ts';
import type { JsonObject } from '../events/index.ts';
import { deviceSigningKey, forgetSignaturesOn, markDeviceListChanged } from './device-keys.ts';
import { nextStream } from './room-events.ts';
import { ed25519PublicKey, hasValidSignature, signedBytes } from './signed-json.ts';

/**
 * Cross-signing (client-server §Cross-signing): each user's master, self-signing and
 * user-signing keys, and the signatures uploaded later through /keys/signatures/upload. Every
 * signature is verified here, in the executor, before it is kept.
 */
export const crossSigningTables: TableSpec[] = [
  // usage: master, self_signing or user_signing; key_json: the key object as uploaded, canonical JSON.
  {
    name: 'cross_signing_keys',
    columns: { user_id: 'text', usage: 'text', public_key: 'text', key_json: 'text' },
    primaryKey: ['user_id', 'usage'],
  },
  // A signature by (signer_user_id, signer_key_id) on the key `key_id` of `user_id`: a device id, or a master key's public key.
  {
    name: 'key_signatures',
    columns: { user_id: 'text', key_id: 'text', signer_user_id: 'text', signer_key_id: 'text', signature: 'text' },
    primaryKey: ['user_id', 'key_id', 'signer_user_id', 'signer_key_id'],
    indexes: [['signer_user_id', 'signer_key_id']],
  },
  // The last time `user_id` signed `target_user_id`'s master key: that user is in the signer's device_lists.changed.
  {
    name: 'signature_changes',
    columns: { user_id: 'text', target_user_id: 'text', stream: 'integer' },
    primaryKey: ['user_id', 'target_user_id'],
    indexes: [['stream']],
  },
];

const USAGES = ['master', 'self_signing', 'user_signing'] as const;
type Usage = (typeof USAGES)[number];

const Signatures = Type.Record(
  Type.String({ maxLength: 255 }),
  Type.Record(Type.String({ maxLength: 300 }), Type.String({ maxLength: 1024 })),
);
export const CrossSigningKeySchema = Type.Object({
  user_id: Type.String({ maxLength: 255 }),
  usage: Type.Array(Type.String({ maxLength: 32 }), { minItems: 1, maxItems: 3 }),
  keys: Type.Record(Type.String({ maxLength: 300 }), Type.String({ maxLength: 1024 }), { minProperties: 1, maxProperties: 1 }),
  signatures: Type.Optional(Signatures),
});
type CrossSigningKey = Static<typeof CrossSigningKeySchema>;

export const crossSigningMethods = {
  /**
   * /keys/device_signing/upload. `authenticated`: ingress has completed user-interactive
   * auth. Without it only a first upload, or one that repeats the stored keys exactly, is
   * allowed; anything else answers `needs_auth` (and changes nothing) so ingress can ask.
   */
  upload_cross_signing_keys: method(
    Type.Object(
      {
        master_key: Type.Optional(CrossSigningKeySchema),
        self_signing_key: Type.Optional(CrossSigningKeySchema),
        user_signing_key: Type.Optional(CrossSigningKeySchema),
        authenticated: Type.Boolean(),
      },
      { additionalProperties: false },
    ),
    (ctx, args) => {
      const { store, caller: userId } = ctx;
      const given: [Usage, CrossSigningKey][] = [];
      if (args.master_key) given.push(['master', args.master_key]);
      if (args.self_signing_key) given.push(['self_signing', args.self_signing_key]);
      if (args.user_signing_key) given.push(['user_signing', args.user_signing_key]);
      const publicKeys = new Map(given.map(([usage, key]) => [usage, checkedPublicKey(userId, usage, key)]));
      const stored = crossSigningKey(store, userId, 'master');
      const repeatsStored = given.every(([usage, key]) => crossSigningKey(store, userId, usage)?.json === canonicalJson(key));
      if (!args.authenticated && stored && !repeatsStored) return { needs_auth: true };
      const masterKey = publicKeys.get('master') ?? stored?.publicKey;
      if (!masterKey) throw new AppError('M_MISSING_PARAM', 'no master signing key is available: upload master_key first, or with these');
      for (const [usage, key] of given) {
        if (usage !== 'master' && !hasValidSignature(key as unknown as JsonObject, userId, `ed25519:${masterKey}`, masterKey))
          throw new AppError('M_INVALID_SIGNATURE', `the ${usage} key is not signed by the master signing key ed25519:${masterKey}`);
      }
      for (const [usage, publicKey] of publicKeys) {
        if (store.get('devices', { user_id: userId, device_id: publicKey }))
          throw new AppError('M_FORBIDDEN', `the ${usage} key's public key is the id of one of your devices; make a new key`);
      }
      let changed = false;
      for (const [usage, key] of given) {
        const previous = crossSigningKey(store, userId, usage);
        const json = canonicalJson(key);
        if (previous?.json === json) continue;
        if (previous) forgetSignaturesBy(store, userId, usage, previous.publicKey);
        store.put('cross_signing_keys', { user_id: userId, usage, public_key: publicKeys.get(usage) as string, key_json: json });
        changed = true;
      }
      if (changed) markDeviceListChanged(store, userId);
      return { needs_auth: false };
    },
  ),
  /**
   * /keys/signatures/upload: signatures on the caller's own devices (by their self-signing
   * key), on their own master key (by one of their devices), and on other users' master keys
   * (by their user-signing key). Each object must be the key as stored; each signature must
   * verify. What fails is reported per key; what passes is kept.
   */
  upload_signatures: method(
    Type.Object(
      {
        signed: Type.Record(
          Type.String({ maxLength: 255 }),
          Type.Record(Type.String({ maxLength: 255 }), Type.Record(Type.String(), Type.Unknown()), { maxProperties: 1000 }),
          { maxProperties: 1000 },
        ),
      },
      { additionalProperties: false },
    ),
    (ctx, args) => {
      const failures: Record<string, Record<string, { errcode: string; error: string }>> = {};
      const accepted = new Set<string>();
      for (const targetUser of Object.keys(args.signed).sort()) {
        const objects = args.signed[targetUser] as Record<string, Record<string, unknown>>;
        for (const keyId of Object.keys(objects).sort()) {
          try {
            acceptSignatures(ctx.store, ctx.caller, targetUser, keyId, objects[keyId] as JsonObject);
            accepted.add(targetUser);
          } catch (error) {
            if (!(error instanceof AppError)) throw error;
            failures[targetUser] ??= {};
            (failures[targetUser] as Record<string, { errcode: string; error: string }>)[keyId] = {
              errcode: error.code,
              error: error.message,
            };
          }
        }
      }
      // Signatures on the caller's own keys concern everyone who fetches them. One on someone
      // else's master key is visible to the signer alone: only the signer's devices must fetch
      // that user's keys again, so only their syncs list the user (as Synapse does).
      if (accepted.delete(ctx.caller)) markDeviceListChanged(ctx.store, ctx.caller);
      if (accepted.size > 0) {
        const stream = nextStream(ctx);
        for (const target of [...accepted].sort())
          ctx.store.put('signature_changes', { user_id: ctx.caller, target_user_id: target, stream });
      }
      return { failures };
    },
  ),
};

export interface StoredCrossSigningKey {
  publicKey: string;
  json: string;
}

export function crossSigningKey(store: AppStore, userId: string, usage: Usage): StoredCrossSigningKey | undefined {
  const row = store.get<{ public_key: string; key_json: string }>('cross_signing_keys', { user_id: userId, usage });
  return row ? { publicKey: row.public_key, json: row.key_json } : undefined;
}

/** The key's public key, once its owner, usage and single `ed25519:<key>` entry are sound. */
function checkedPublicKey(userId: string, usage: Usage, key: CrossSigningKey): string {
  if (key.user_id !== userId) throw new AppError('M_FORBIDDEN', `the ${usage} key must be your own (${userId}), not ${key.user_id}'s`);
  if (!key.usage.includes(usage)) throw new AppError('M_INVALID_PARAM', `the ${usage} key must list "${usage}" in its usage`);
  const [[name, value]] = Object.entries(key.keys) as [[string, string]];
  if (name !== `ed25519:${value}` || !ed25519PublicKey(value))
    throw new AppError(
      'M_INVALID_PARAM',
      `the ${usage} key must be one "ed25519:<public key>" entry whose value is that unpadded Base64 key`,
    );
  return value;
}

/** A replaced key's signatures vouch for nothing now: those on the old master key, or those the old key made. */
function forgetSignaturesBy(store: AppStore, userId: string, usage: Usage, publicKey: string): void {
  if (usage === 'master') forgetSignaturesOn(store, userId, publicKey);
  const made = store.select<{ user_id: string; key_id: string }>(
    'SELECT user_id, key_id FROM {key_signatures} WHERE signer_user_id = ? AND signer_key_id = ? ORDER BY user_id, key_id',
    userId,
    `ed25519:${publicKey}`,
  );
  for (const row of made) store.delete('key_signatures', { ...row, signer_user_id: userId, signer_key_id: `ed25519:${publicKey}` });
}

function acceptSignatures(store: AppStore, caller: string, targetUser: string, keyId: string, signed: JsonObject): void {
  const targetMaster = crossSigningKey(store, targetUser, 'master');
  const ownDevice =
    targetUser === caller ? store.get<{ keys_json: string }>('device_keys', { user_id: caller, device_id: keyId }) : undefined;
  let stored: string;
  let signers: { keyId: string; publicKey: string }[];
  if (ownDevice) {
    // The caller's own device, signed by their self-signing key.
    const selfSigning = crossSigningKey(store, caller, 'self_signing');
    if (!selfSigning) throw new AppError('M_MISSING_PARAM', 'upload a self-signing key before signing your devices with it');
    stored = ownDevice.keys_json;
    signers = [{ keyId: `ed25519:${selfSigning.publicKey}`, publicKey: selfSigning.publicKey }];
  } else if (targetMaster && targetMaster.publicKey === keyId && targetUser === caller) {
    // The caller's own master key, signed by one of their devices.
    stored = targetMaster.json;
    signers = Object.keys(signaturesBy(signed, caller))
      .filter((signerKey) => signerKey.startsWith('ed25519:'))
      .map((signerKey) => ({ keyId: signerKey, publicKey: deviceSigningKey(store, caller, signerKey.slice('ed25519:'.length)) ?? '' }))
      .filter((signer) => signer.publicKey !== '');
  } else if (targetMaster && targetMaster.publicKey === keyId) {
    // Another user's master key, signed by the caller's user-signing key.
    const userSigning = crossSigningKey(store, caller, 'user_signing');
    if (!userSigning) throw new AppError('M_MISSING_PARAM', "upload a user-signing key before signing other users' keys");
    stored = targetMaster.json;
    signers = [{ keyId: `ed25519:${userSigning.publicKey}`, publicKey: userSigning.publicKey }];
  } else {
    throw new AppError('M_NOT_FOUND', `${targetUser} has no device or master key ${keyId}`);
  }
  if (!sameKey(stored, signed)) throw new AppError('M_INVALID_PARAM', 'the signed object is not the key as the server holds it');
  const valid = signers.filter((signer) => hasValidSignature(signed, caller, signer.keyId, signer.publicKey));
  if (valid.length === 0) throw new AppError('M_INVALID_SIGNATURE', `no valid signature on ${keyId} by a key that may sign it`);
  for (const signer of valid) {
    store.put('key_signatures', {
      user_id: targetUser,
      key_id: keyId,
      signer_user_id: caller,
      signer_key_id: signer.keyId,
      signature: signaturesBy(signed, caller)[signer.keyId] as string,
    });
  }
}

function signaturesBy(object: JsonObject, userId: string): Record<string, unknown> {
  const signatures = object.signatures as Record<string, unknown> | undefined;
  const byUser = signatures?.[userId];
  return byUser !== null && typeof byUser === 'object' && !Array.isArray(byUser) ? (byUser as Record<string, unknown>) : {};
}

/** The same key apart from signatures and `unsigned`, which are not part of what is signed. */
function sameKey(storedJson: string, signed: JsonObject): boolean {
  try {
    return signedBytes(JSON.parse(storedJson) as JsonObject).equals(signedBytes(signed));
  } catch {
    return false;
  }
}

/** A deactivated account publishes no identity: its cross-signing keys go, with every signature on them or made by them. */
export function forgetCrossSigning(store: AppStore, userId: string): void {
  for (const usage of USAGES) store.delete('cross_signing_keys', { user_id: userId, usage });
  const signatures = store.select<{ user_id: string; key_id: string; signer_user_id: string; signer_key_id: string }>(
    `SELECT user_id, key_id, signer_user_id, signer_key_id FROM {key_signatures} WHERE user_id = ?
     UNION SELECT user_id, key_id, signer_user_id, signer_key_id FROM {key_signatures} WHERE signer_user_id = ?
     ORDER BY user_id, key_id, signer_user_id, signer_key_id`,
    userId,
    userId,
  );
  for (const row of signatures) store.delete('key_signatures', row);
  const changes = store.select<{ user_id: string; target_user_id: string }>(
    `SELECT user_id, target_user_id FROM {signature_changes} WHERE user_id = ?
     UNION SELECT user_id, target_user_id FROM {signature_changes} WHERE target_user_id = ? ORDER BY user_id, target_user_id`,
    userId,
    userId,
  );
  for (const row of changes) store.delete('signature_changes', row);
}
