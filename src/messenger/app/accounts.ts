import Type from 'typebox';
import { type AppContext, AppError, type AppStore, method, query, type TableSpec } from '../../subnet/index.ts';
import { forgetCrossSigning } from './cross-signing.ts';
import { forgetDeviceKeys, markDeviceListChanged } from './device-keys.ts';
import { forgetBackups } from './key-backup.ts';
import { forgetDevicePushers } from './pushers.ts';
import { leaveAllRooms } from './rooms.ts';
import { forgetDeviceMessages } from './to-device.ts';

/**
 * Accounts, devices and access tokens. Secrets never reach here: ingress hashes passwords
 * (scrypt) and tokens (SHA-256) before the command is made, and checks a password before it
 * submits a login; these methods decide everything that can be decided from state.
 */
export const accountTables: TableSpec[] = [
  {
    name: 'users',
    columns: { user_id: 'text', password_hash: 'text?', created_at: 'integer', deactivated: 'integer' },
    primaryKey: ['user_id'],
  },
  {
    name: 'devices',
    columns: { user_id: 'text', device_id: 'text', display_name: 'text?', created_at: 'integer' },
    primaryKey: ['user_id', 'device_id'],
  },
  {
    name: 'access_tokens',
    // expires_at: set for clients that take refresh tokens. fresh: a superseded refresh token
    // of the device waits for this token's first use before it is revoked.
    columns: { token_hash: 'text', user_id: 'text', device_id: 'text', created_at: 'integer', expires_at: 'integer?', fresh: 'integer' },
    primaryKey: ['token_hash'],
    indexes: [['user_id', 'device_id']],
  },
  {
    name: 'refresh_tokens',
    columns: { refresh_hash: 'text', user_id: 'text', device_id: 'text', superseded: 'integer' },
    primaryKey: ['refresh_hash'],
    indexes: [['user_id', 'device_id']],
  },
  {
    // Single-use m.login.token tokens, made by a signed-in client for another to sign in with.
    name: 'login_tokens',
    columns: { login_hash: 'text', user_id: 'text', expires_at: 'integer' },
    primaryKey: ['login_hash'],
    indexes: [['user_id']],
  },
];

interface UserRow {
  [column: string]: string | number | null;
  user_id: string;
  password_hash: string | null;
  deactivated: number;
}

const Localpart = Type.String({ pattern: '^[a-z0-9._=/+-]{1,200}$' });
const DeviceId = Type.String({ minLength: 1, maxLength: 255 });
const TokenHash = Type.String({ pattern: '^[0-9a-f]{64}$' });
const ServerName = Type.String({ minLength: 1, maxLength: 255 });
/** An access token that expires, with the refresh token that renews it (for clients that asked for one). */
const Renewal = Type.Optional(
  Type.Object(
    { refresh_hash: TokenHash, lifetime_ms: Type.Integer({ minimum: 1, maximum: 366 * 86_400_000 }) },
    { additionalProperties: false },
  ),
);

export const accountMethods = {
  /** Creates an account; with `token_hash`, also its first device and access token. */
  register: method(
    Type.Object(
      {
        localpart: Type.Optional(Localpart),
        server_name: ServerName,
        password_hash: Type.Optional(Type.String({ maxLength: 512 })),
        device_id: DeviceId,
        display_name: Type.Optional(Type.String({ maxLength: 255 })),
        token_hash: Type.Optional(TokenHash),
        renewal: Renewal,
      },
      { additionalProperties: false },
    ),
    (ctx, args) => {
      const localpart = args.localpart ?? `user-${ctx.random.string(10, 'abcdefghijklmnopqrstuvwxyz0123456789')}`;
      const userId = createAccount(ctx.store, ctx.time, localpart, args.server_name, args.password_hash ?? null);
      if (args.token_hash) {
        openDevice(ctx.store, ctx.time, userId, args.device_id, args.display_name);
        issueTokens(ctx.store, ctx.time, userId, args.device_id, args.token_hash, args.renewal);
      }
      return { user_id: userId, device_id: args.device_id };
    },
  ),
  /**
   * Opens a session for a user whose password ingress has just checked, or who presents a
   * login token (`login_hash`), which is checked and used up here.
   */
  login: method(
    Type.Object(
      {
        user_id: Type.String(),
        device_id: DeviceId,
        display_name: Type.Optional(Type.String({ maxLength: 255 })),
        token_hash: TokenHash,
        renewal: Renewal,
        login_hash: Type.Optional(TokenHash),
      },
      { additionalProperties: false },
    ),
    (ctx, args) => {
      if (ctx.caller !== args.user_id) throw new AppError('M_FORBIDDEN', 'a session can only be opened by its own user');
      if (args.login_hash !== undefined) useLoginToken(ctx.store, ctx.time, args.user_id, args.login_hash);
      const user = ctx.store.get<UserRow>('users', args.user_id);
      if (!user || user.deactivated) throw new AppError('M_FORBIDDEN', 'this account does not exist or has been deactivated');
      openDevice(ctx.store, ctx.time, args.user_id, args.device_id, args.display_name);
      issueTokens(ctx.store, ctx.time, args.user_id, args.device_id, args.token_hash, args.renewal);
      return { user_id: args.user_id, device_id: args.device_id };
    },
  ),
  /**
   * Renews a session from its refresh token: new access and refresh tokens for the same
   * device. The refresh token used stays valid (superseded) until the new tokens are first
   * used, so a client that lost the answer can try again; any older one is revoked now.
   */
  refresh: method(
    Type.Object({ refresh_hash: TokenHash, token_hash: TokenHash, renewal: Renewal }, { additionalProperties: false }),
    (ctx, args) => {
      const used = ctx.store.get<{ user_id: string; device_id: string }>('refresh_tokens', args.refresh_hash);
      if (!used || used.user_id !== ctx.caller) throw new AppError('M_UNKNOWN_TOKEN', 'this refresh token is not valid; sign in again');
      const { user_id: userId, device_id: deviceId } = used;
      for (const token of tokensOf(ctx.store, 'access_tokens', userId, deviceId)) ctx.store.delete('access_tokens', token);
      for (const token of tokensOf(ctx.store, 'refresh_tokens', userId, deviceId)) {
        if (token !== args.refresh_hash) ctx.store.delete('refresh_tokens', token);
      }
      ctx.store.update('refresh_tokens', args.refresh_hash, { superseded: 1 });
      issueTokens(ctx.store, ctx.time, userId, deviceId, args.token_hash, args.renewal, true);
      return { user_id: userId, device_id: deviceId };
    },
  ),
  /** The first use of a refreshed access token: the refresh token it replaced is revoked. */
  confirm_refresh: method(Type.Object({ token_hash: TokenHash }, { additionalProperties: false }), (ctx, args) => {
    const session = ctx.store.get<{ user_id: string; device_id: string; fresh: number }>('access_tokens', args.token_hash);
    if (!session || session.user_id !== ctx.caller || session.fresh === 0) return {};
    ctx.store.update('access_tokens', args.token_hash, { fresh: 0 });
    revokeSuperseded(ctx.store, session.user_id, session.device_id);
    return {};
  }),
  /** A single-use, short-lived token with which another client signs in as the caller (m.login.token). */
  create_login_token: method(
    Type.Object({ login_hash: TokenHash, lifetime_ms: Type.Integer({ minimum: 1, maximum: 3_600_000 }) }, { additionalProperties: false }),
    (ctx, args) => {
      const user = ctx.store.get<UserRow>('users', ctx.caller);
      if (!user || user.deactivated) throw new AppError('M_FORBIDDEN', 'this account does not exist or has been deactivated');
      const expired = ctx.store.select<{ login_hash: string }>(
        'SELECT login_hash FROM {login_tokens} WHERE user_id = ? AND expires_at <= ? ORDER BY login_hash',
        ctx.caller,
        ctx.time,
      );
      for (const { login_hash } of expired) ctx.store.delete('login_tokens', login_hash);
      ctx.store.insert('login_tokens', { login_hash: args.login_hash, user_id: ctx.caller, expires_at: ctx.time + args.lifetime_ms });
      return { expires_at: ctx.time + args.lifetime_ms };
    },
  ),
  /** Ends the session of one access token, and its device with it. */
  logout: method(Type.Object({ token_hash: TokenHash }, { additionalProperties: false }), (ctx, args) => {
    const session = ctx.store.get<{ user_id: string; device_id: string }>('access_tokens', args.token_hash);
    if (!session || session.user_id !== ctx.caller) throw new AppError('M_UNKNOWN_TOKEN', 'this access token is not valid');
    removeDevice(ctx.store, session.user_id, session.device_id);
    return {};
  }),
  /** Ends every session of the calling user. */
  logout_all: method(Type.Object({}, { additionalProperties: false }), (ctx) => {
    const devices = ctx.store.select<{ device_id: string }>(
      'SELECT device_id FROM {devices} WHERE user_id = ? ORDER BY device_id',
      ctx.caller,
    );
    for (const { device_id } of devices) removeDevice(ctx.store, ctx.caller, device_id);
    return { devices: devices.length };
  }),
};

/** Device management and credentials: each method acts on the caller's own account only. */
export const deviceMethods = {
  rename_device: method(
    Type.Object({ device_id: DeviceId, display_name: Type.String({ maxLength: 255 }) }, { additionalProperties: false }),
    (ctx, args) => {
      if (!ctx.store.get('devices', { user_id: ctx.caller, device_id: args.device_id }))
        throw new AppError('M_NOT_FOUND', `you have no device ${args.device_id}`);
      ctx.store.update('devices', { user_id: ctx.caller, device_id: args.device_id }, { display_name: args.display_name });
      // /keys/query serves the name beside the device's keys: those who hold them fetch it again.
      if (ctx.store.get('device_keys', { user_id: ctx.caller, device_id: args.device_id })) markDeviceListChanged(ctx.store, ctx.caller);
      return {};
    },
  ),
  delete_devices: method(
    Type.Object({ device_ids: Type.Array(DeviceId, { maxItems: 1000 }) }, { additionalProperties: false }),
    (ctx, args) => {
      for (const deviceId of [...new Set(args.device_ids)].sort()) removeDevice(ctx.store, ctx.caller, deviceId);
      return {};
    },
  ),
  /** A new password; unless asked to keep them, every other session ends with it. */
  change_password: method(
    Type.Object(
      { password_hash: Type.String({ maxLength: 512 }), keep_device_id: Type.String(), logout_devices: Type.Boolean() },
      { additionalProperties: false },
    ),
    (ctx, args) => {
      ctx.store.update('users', ctx.caller, { password_hash: args.password_hash });
      if (args.logout_devices) {
        const others = ctx.store.select<{ device_id: string }>(
          'SELECT device_id FROM {devices} WHERE user_id = ? AND device_id <> ? ORDER BY device_id',
          ctx.caller,
          args.keep_device_id,
        );
        for (const { device_id } of others) removeDevice(ctx.store, ctx.caller, device_id);
      }
      return {};
    },
  ),
  /** Closes the account for good: no sign-in, no sessions, no rooms. The user id is never given out again. */
  deactivate: method(Type.Object({}, { additionalProperties: false }), (ctx) => {
    closeAccount(ctx, ctx.caller);
    return { id_server_unbind_result: 'no-support' };
  }),
};

/**
 * Closes an account for good, the one routine for the owner's deactivation and for the
 * identity paths (revocation, a verified owner's deactivation), so none leaves keys behind.
 */
export function closeAccount(ctx: AppContext, userId: string): void {
  ctx.store.update('users', userId, { deactivated: 1, password_hash: null });
  leaveAllRooms(ctx, userId);
  const devices = ctx.store.select<{ device_id: string }>('SELECT device_id FROM {devices} WHERE user_id = ? ORDER BY device_id', userId);
  for (const { device_id } of devices) removeDevice(ctx.store, userId, device_id);
  const loginTokens = ctx.store.select<{ login_hash: string }>(
    'SELECT login_hash FROM {login_tokens} WHERE user_id = ? ORDER BY login_hash',
    userId,
  );
  for (const { login_hash } of loginTokens) ctx.store.delete('login_tokens', login_hash);
  // The devices took their keys; the account's identity and key backups go too, and those who
  // share a room with it hear that its device list changed.
  forgetCrossSigning(ctx.store, userId);
  forgetBackups(ctx.store, userId);
  markDeviceListChanged(ctx.store, userId);
}

export const accountQueries = {
  devices: query(Type.Object({}, { additionalProperties: false }), (ctx) =>
    ctx.store
      .select<{ device_id: string; display_name: string | null }>(
        'SELECT device_id, display_name FROM {devices} WHERE user_id = ? ORDER BY device_id',
        ctx.caller,
      )
      .map((row) => ({ device_id: row.device_id, ...(row.display_name ? { display_name: row.display_name } : {}) })),
  ),
  /** Who holds an access token: the one lookup every authenticated request makes. */
  session: query(Type.Object({ token_hash: TokenHash }, { additionalProperties: false }), (ctx, args) =>
    // Kept between requests until a token is issued, renewed or revoked anywhere.
    ctx.store.remembered('session', args.token_hash, ['access_tokens'], () => {
      const row = ctx.store.get<{ user_id: string; device_id: string; expires_at: number | null; fresh: number }>(
        'access_tokens',
        args.token_hash,
      );
      return row ? { user_id: row.user_id, device_id: row.device_id, expires_at: row.expires_at, fresh: row.fresh === 1 } : null;
    }),
  ),
  /** Whose a refresh token is, so ingress can submit the renewal as that user. */
  refresh_owner: query(Type.Object({ refresh_hash: TokenHash }, { additionalProperties: false }), (ctx, args) => {
    const row = ctx.store.get<{ user_id: string }>('refresh_tokens', args.refresh_hash);
    return row ? row.user_id : null;
  }),
  /** Whose a login token is; whether it is still good is decided when the login is applied. */
  login_token_owner: query(Type.Object({ login_hash: TokenHash }, { additionalProperties: false }), (ctx, args) => {
    const row = ctx.store.get<{ user_id: string }>('login_tokens', args.login_hash);
    return row ? row.user_id : null;
  }),
  /** What ingress needs to check a password: the salted hash, never leaving the node. */
  credentials: query(Type.Object({ user_id: Type.String() }, { additionalProperties: false }), (ctx, args) => {
    const user = ctx.store.get<UserRow>('users', args.user_id);
    return user ? { password_hash: user.password_hash, deactivated: user.deactivated === 1 } : null;
  }),
  user_exists: query(
    Type.Object({ user_id: Type.String() }, { additionalProperties: false }),
    (ctx, args) => ctx.store.get('users', args.user_id) !== undefined,
  ),
};

/**
 * Makes a new account. Its display name starts as the localpart, as Synapse gives it, so
 * clients show a name rather than a raw user id; the localpart is all that is used, so an
 * account bound to a person shows nothing that identifies them until they choose a name.
 */
export function createAccount(store: AppStore, time: number, localpart: string, serverName: string, passwordHash: string | null): string {
  const userId = `@${localpart}:${serverName}`;
  if (Buffer.byteLength(userId) > 255) throw new AppError('M_INVALID_USERNAME', 'the user id would be longer than 255 bytes');
  if (store.get('users', userId)) throw new AppError('M_USER_IN_USE', `${userId} is already taken; choose another username`);
  store.insert('users', { user_id: userId, password_hash: passwordHash, created_at: time, deactivated: 0 });
  store.put('profiles', { user_id: userId, displayname: localpart, avatar_url: null });
  return userId;
}

/** Registers the device the first time it signs in; later sign-ins keep its name. */
export function openDevice(store: AppStore, time: number, userId: string, deviceId: string, displayName: string | undefined): void {
  if (!store.get('devices', { user_id: userId, device_id: deviceId })) {
    store.insert('devices', { user_id: userId, device_id: deviceId, display_name: displayName ?? null, created_at: time });
  }
}

/**
 * A device's live tokens: one access token (a new sign-in replaces what the device had) and,
 * for clients that asked, a refresh token with an access token that expires.
 */
export function issueTokens(
  store: AppStore,
  time: number,
  userId: string,
  deviceId: string,
  tokenHash: string,
  renewal: { refresh_hash: string; lifetime_ms: number } | undefined,
  refreshed = false,
): void {
  if (!refreshed) {
    for (const old of tokensOf(store, 'access_tokens', userId, deviceId)) store.delete('access_tokens', old);
    for (const old of tokensOf(store, 'refresh_tokens', userId, deviceId)) store.delete('refresh_tokens', old);
  }
  store.insert('access_tokens', {
    token_hash: tokenHash,
    user_id: userId,
    device_id: deviceId,
    created_at: time,
    expires_at: renewal ? time + renewal.lifetime_ms : null,
    fresh: refreshed ? 1 : 0,
  });
  if (renewal) store.insert('refresh_tokens', { refresh_hash: renewal.refresh_hash, user_id: userId, device_id: deviceId, superseded: 0 });
}

/** A refresh token once superseded is revoked when its successor is first used. */
function revokeSuperseded(store: AppStore, userId: string, deviceId: string): void {
  const superseded = store.select<{ refresh_hash: string }>(
    'SELECT refresh_hash FROM {refresh_tokens} WHERE user_id = ? AND device_id = ? AND superseded = 1 ORDER BY refresh_hash',
    userId,
    deviceId,
  );
  for (const { refresh_hash } of superseded) store.delete('refresh_tokens', refresh_hash);
}

function useLoginToken(store: AppStore, time: number, userId: string, loginHash: string): void {
  const token = store.get<{ user_id: string; expires_at: number }>('login_tokens', loginHash);
  if (!token || token.user_id !== userId) throw new AppError('M_FORBIDDEN', 'this login token is not valid; ask for a new one');
  store.delete('login_tokens', loginHash);
  if (token.expires_at <= time) throw new AppError('M_FORBIDDEN', 'this login token has expired; ask for a new one');
}

export function removeDevice(store: AppStore, userId: string, deviceId: string): void {
  for (const token of tokensOf(store, 'access_tokens', userId, deviceId)) store.delete('access_tokens', token);
  for (const token of tokensOf(store, 'refresh_tokens', userId, deviceId)) store.delete('refresh_tokens', token);
  // Its keys and queued messages go with it, and those who share a room with its owner hear of it.
  forgetDeviceKeys(store, userId, deviceId);
  forgetDeviceMessages(store, userId, deviceId);
  forgetDevicePushers(store, userId, deviceId);
  store.delete('devices', { user_id: userId, device_id: deviceId });
}

function tokensOf(store: AppStore, table: 'access_tokens' | 'refresh_tokens', userId: string, deviceId: string): string[] {
  const key = table === 'access_tokens' ? 'token_hash' : 'refresh_hash';
  return store
    .select<Record<string, string>>(
      `SELECT ${key} AS hash FROM {${table}} WHERE user_id = ? AND device_id = ? ORDER BY ${key}`,
      userId,
      deviceId,
    )
    .map((row) => row.hash as string);
}
