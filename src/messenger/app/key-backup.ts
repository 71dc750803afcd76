import Type, { type Static } from 'typebox';
import { AppError, type AppStore, method, query, type TableSpec } from '../../subnet/index.ts';
import type { JsonObject } from '../events/index.ts';

/**
 * Server-side key backups (client-server §Server-side key backups): per user, numbered backup
 * versions, each with the room keys its clients stored, encrypted on the client for the
 * backup's public key — the server never holds a way to read them. Keys are written only to
 * the current version (the newest not deleted). A deleted version stays as a mark, so its
 * number is never reused and deleting it again succeeds.
 */
export const keyBackupTables: TableSpec[] = [
  {
    // etag: bumped whenever the stored keys change.
    name: 'backup_versions',
    columns: { user_id: 'text', version: 'integer', algorithm: 'text', auth_data: 'text', deleted: 'integer', etag: 'integer' },
    primaryKey: ['user_id', 'version'],
  },
  {
    name: 'backup_keys',
    columns: {
      user_id: 'text',
      version: 'integer',
      room_id: 'text',
      session_id: 'text',
      first_message_index: 'integer',
      forwarded_count: 'integer',
      is_verified: 'integer',
      session_data: 'text',
    },
    primaryKey: ['user_id', 'version', 'room_id', 'session_id'],
  },
];

const Version = Type.String({ maxLength: 64 });
const Algorithm = Type.String({ minLength: 1, maxLength: 255 });
const Json = Type.String({ maxLength: 65_536 });
const SessionKey = Type.Object(
  {
    first_message_index: Type.Integer({ minimum: 0 }),
    forwarded_count: Type.Integer({ minimum: 0 }),
    is_verified: Type.Boolean(),
    session_data: Json,
  },
  { additionalProperties: false },
);
type SessionKey = Static<typeof SessionKey>;
const Id = Type.String({ minLength: 1, maxLength: 255 });
const Scope = { version: Version, room_id: Type.Optional(Id), session_id: Type.Optional(Id) };

interface VersionRow {
  [column: string]: string | number;
  version: number;
  algorithm: string;
  auth_data: string;
  deleted: number;
  etag: number;
}

export const keyBackupMethods = {
  create_backup_version: method(Type.Object({ algorithm: Algorithm, auth_data: Json }, { additionalProperties: false }), (ctx, args) => {
    const last = ctx.store.selectOne<{ version: number }>(
      'SELECT version FROM {backup_versions} WHERE user_id = ? ORDER BY version DESC LIMIT 1',
      ctx.caller,
    );
    const version = (last?.version ?? 0) + 1;
    ctx.store.insert('backup_versions', {
      user_id: ctx.caller,
      version,
      algorithm: args.algorithm,
      auth_data: args.auth_data,
      deleted: 0,
      etag: 0,
    });
    return { version: String(version) };
  }),
  /** Only `auth_data` can change; the algorithm, and a version named in the body, must be the backup's own. */
  update_backup_version: method(
    Type.Object(
      { version: Version, algorithm: Algorithm, auth_data: Json, body_version: Type.Optional(Version) },
      { additionalProperties: false },
    ),
    (ctx, args) => {
      const row = liveVersion(ctx.store, ctx.caller, args.version);
      if (args.body_version !== undefined && args.body_version !== args.version)
        throw new AppError(
          'M_INVALID_PARAM',
          `the version in the body (${args.body_version}) is not the one in the path (${args.version})`,
        );
      if (args.algorithm !== row.algorithm)
        throw new AppError('M_INVALID_PARAM', `this backup's algorithm is ${row.algorithm}; it cannot change`);
      ctx.store.update('backup_versions', { user_id: ctx.caller, version: row.version }, { auth_data: args.auth_data });
      return {};
    },
  ),
  delete_backup_version: method(Type.Object({ version: Version }, { additionalProperties: false }), (ctx, args) => {
    const row = versionRow(ctx.store, ctx.caller, args.version);
    if (!row) throw new AppError('M_NOT_FOUND', `you have no backup version ${args.version}`);
    if (row.deleted) return {};
    deleteKeys(ctx.store, ctx.caller, row.version, undefined, undefined);
    ctx.store.update('backup_versions', { user_id: ctx.caller, version: row.version }, { deleted: 1 });
    return {};
  }),
  /**
   * Stores keys in the current backup. A session already stored is replaced only by a better
   * key: a verified one over an unverified one, then a lower first message index, then a lower
   * forwarded count.
   */
  put_backup_keys: method(
    Type.Object(
      {
        version: Version,
        rooms: Type.Record(Id, Type.Record(Id, SessionKey, { maxProperties: 10_000 }), { maxProperties: 10_000 }),
      },
      { additionalProperties: false },
    ),
    (ctx, args) => {
      const current = currentVersion(ctx.store, ctx.caller);
      if (!current) throw new AppError('M_NOT_FOUND', 'you have no key backup; create one first');
      if (args.version !== String(current.version))
        throw new AppError('M_WRONG_ROOM_KEYS_VERSION', `keys go only to the current backup, version ${current.version}`, {
          current_version: String(current.version),
        });
      let changed = false;
      for (const roomId of Object.keys(args.rooms).sort()) {
        const sessions = args.rooms[roomId] as Record<string, SessionKey>;
        for (const sessionId of Object.keys(sessions).sort()) {
          const key = { user_id: ctx.caller, version: current.version, room_id: roomId, session_id: sessionId };
          const offered = sessions[sessionId] as SessionKey;
          const stored = ctx.store.get<{ first_message_index: number; forwarded_count: number; is_verified: number }>('backup_keys', key);
          if (stored && !better(offered, stored)) continue;
          ctx.store.put('backup_keys', {
            ...key,
            first_message_index: offered.first_message_index,
            forwarded_count: offered.forwarded_count,
            is_verified: offered.is_verified ? 1 : 0,
            session_data: offered.session_data,
          });
          changed = true;
        }
      }
      return changed ? bumpEtag(ctx.store, ctx.caller, current) : summary(ctx.store, ctx.caller, current);
    },
  ),
  /** Deletes the keys of a version: all of them, a room's, or one session's. */
  delete_backup_keys: method(Type.Object(Scope, { additionalProperties: false }), (ctx, args) => {
    const row = liveVersion(ctx.store, ctx.caller, args.version);
    const deleted = deleteKeys(ctx.store, ctx.caller, row.version, args.room_id, args.session_id);
    return deleted > 0 ? bumpEtag(ctx.store, ctx.caller, row) : summary(ctx.store, ctx.caller, row);
  }),
};

export const keyBackupQueries = {
  /** A backup version's description, or the current one's without `version`. */
  backup_version: query(Type.Object({ version: Type.Optional(Version) }, { additionalProperties: false }), (ctx, args) => {
    const row = args.version === undefined ? currentVersion(ctx.store, ctx.caller) : liveVersion(ctx.store, ctx.caller, args.version);
    if (!row) throw new AppError('M_NOT_FOUND', 'you have no key backup');
    return {
      algorithm: row.algorithm,
      auth_data: JSON.parse(row.auth_data) as JsonObject,
      version: String(row.version),
      ...summary(ctx.store, ctx.caller, row),
    };
  }),
  /** The stored keys of a version: all rooms, one room (possibly none), or one session (which must exist). */
  backup_keys: query(Type.Object(Scope, { additionalProperties: false }), (ctx, args) => {
    const row = liveVersion(ctx.store, ctx.caller, args.version);
    const rows = ctx.store.select<{ room_id: string; session_id: string } & Record<string, string | number>>(
      `SELECT room_id, session_id, first_message_index, forwarded_count, is_verified, session_data FROM {backup_keys}
       WHERE user_id = ? AND version = ? AND (? IS NULL OR room_id = ?) AND (? IS NULL OR session_id = ?) ORDER BY room_id, session_id`,
      ctx.caller,
      row.version,
      args.room_id ?? null,
      args.room_id ?? null,
      args.session_id ?? null,
      args.session_id ?? null,
    );
    const keyData = (key: (typeof rows)[number]) => ({
      first_message_index: key.first_message_index,
      forwarded_count: key.forwarded_count,
      is_verified: key.is_verified === 1,
      session_data: JSON.parse(key.session_data as string) as JsonObject,
    });
    if (args.session_id !== undefined) {
      const [only] = rows;
      if (!only) throw new AppError('M_NOT_FOUND', `the backup holds no key for session ${args.session_id}`);
      return keyData(only);
    }
    const rooms: Record<string, { sessions: Record<string, ReturnType<typeof keyData>> }> = {};
    for (const key of rows) {
      rooms[key.room_id] ??= { sessions: {} };
      (rooms[key.room_id] as { sessions: Record<string, ReturnType<typeof keyData>> }).sessions[key.session_id] = keyData(key);
    }
    return args.room_id !== undefined ? (rooms[args.room_id] ?? { sessions: {} }) : { rooms };
  }),
};

function better(offered: SessionKey, stored: { first_message_index: number; forwarded_count: number; is_verified: number }): boolean {
  const verified = offered.is_verified ? 1 : 0;
  if (verified !== stored.is_verified) return verified > stored.is_verified;
  if (offered.first_message_index !== stored.first_message_index) return offered.first_message_index < stored.first_message_index;
  return offered.forwarded_count < stored.forwarded_count;
}

function versionRow(store: AppStore, userId: string, version: string): VersionRow | undefined {
  // Versions are the numbers this server gave; any other text names no backup.
  if (!/^[1-9][0-9]{0,14}$/.test(version)) return undefined;
  return store.get<VersionRow>('backup_versions', { user_id: userId, version: Number(version) });
}

function liveVersion(store: AppStore, userId: string, version: string): VersionRow {
  const row = versionRow(store, userId, version);
  if (!row || row.deleted) throw new AppError('M_NOT_FOUND', `you have no backup version ${version}`);
  return row;
}

function currentVersion(store: AppStore, userId: string): VersionRow | undefined {
  return store.selectOne<VersionRow>(
    'SELECT * FROM {backup_versions} WHERE user_id = ? AND deleted = 0 ORDER BY version DESC LIMIT 1',
    userId,
  );
}

function summary(store: AppStore, userId: string, row: VersionRow): { etag: string; count: number } {
  const counted = store.selectOne<{ count: number }>(
    'SELECT COUNT(*) AS count FROM {backup_keys} WHERE user_id = ? AND version = ?',
    userId,
    row.version,
  );
  return { etag: String(row.etag), count: counted?.count ?? 0 };
}

function bumpEtag(store: AppStore, userId: string, row: VersionRow): { etag: string; count: number } {
  const updated = store.update<VersionRow>('backup_versions', { user_id: userId, version: row.version }, { etag: row.etag + 1 });
  return summary(store, userId, updated);
}

function deleteKeys(store: AppStore, userId: string, version: number, roomId: string | undefined, sessionId: string | undefined): number {
  const rows = store.select<{ room_id: string; session_id: string }>(
    `SELECT room_id, session_id FROM {backup_keys} WHERE user_id = ? AND version = ?
     AND (? IS NULL OR room_id = ?) AND (? IS NULL OR session_id = ?) ORDER BY room_id, session_id`,
    userId,
    version,
    roomId ?? null,
    roomId ?? null,
    sessionId ?? null,
    sessionId ?? null,
  );
  for (const row of rows) store.delete('backup_keys', { user_id: userId, version, ...row });
  return rows.length;
}

/** A deactivated account keeps no backups: every version and every key in them goes. */
export function forgetBackups(store: AppStore, userId: string): void {
  const keys = store.select<{ version: number; room_id: string; session_id: string }>(
    'SELECT version, room_id, session_id FROM {backup_keys} WHERE user_id = ? ORDER BY version, room_id, session_id',
    userId,
  );
  for (const key of keys) store.delete('backup_keys', { user_id: userId, ...key });
  const versions = store.select<{ version: number }>('SELECT version FROM {backup_versions} WHERE user_id = ? ORDER BY version', userId);
  for (const { version } of versions) store.delete('backup_versions', { user_id: userId, version });
}
