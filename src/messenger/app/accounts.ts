import Type from 'typebox';
import { AppError, type AppStore, method, query, type TableSpec } from '../../subnet/index.ts';

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
    columns: { token_hash: 'text', user_id: 'text', device_id: 'text', created_at: 'integer' },
    primaryKey: ['token_hash'],
    indexes: [['user_id', 'device_id']],
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
      },
      { additionalProperties: false },
    ),
    (ctx, args) => {
      const localpart = args.localpart ?? `user-${ctx.random.string(10, 'abcdefghijklmnopqrstuvwxyz0123456789')}`;
      const userId = `@${localpart}:${args.server_name}`;
      if (Buffer.byteLength(userId) > 255) throw new AppError('M_INVALID_USERNAME', 'the user id would be longer than 255 bytes');
      if (ctx.store.get('users', userId)) throw new AppError('M_USER_IN_USE', `${userId} is already taken; choose another username`);
      ctx.store.insert('users', { user_id: userId, password_hash: args.password_hash ?? null, created_at: ctx.time, deactivated: 0 });
      if (args.token_hash) openSession(ctx.store, ctx.time, userId, args.device_id, args.token_hash, args.display_name);
      return { user_id: userId, device_id: args.device_id };
    },
  ),
  /** Opens a session for a user whose credentials ingress has just checked. */
  login: method(
    Type.Object(
      { user_id: Type.String(), device_id: DeviceId, display_name: Type.Optional(Type.String({ maxLength: 255 })), token_hash: TokenHash },
      { additionalProperties: false },
    ),
    (ctx, args) => {
      if (ctx.caller !== args.user_id) throw new AppError('M_FORBIDDEN', 'a session can only be opened by its own user');
      const user = ctx.store.get<UserRow>('users', args.user_id);
      if (!user || user.deactivated) throw new AppError('M_FORBIDDEN', 'this account does not exist or has been deactivated');
      openSession(ctx.store, ctx.time, args.user_id, args.device_id, args.token_hash, args.display_name);
      return { user_id: args.user_id, device_id: args.device_id };
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
  /** Closes the account for good: no sign-in, no sessions. The user id is never given out again. */
  deactivate: method(Type.Object({}, { additionalProperties: false }), (ctx) => {
    ctx.store.update('users', ctx.caller, { deactivated: 1, password_hash: null });
    const devices = ctx.store.select<{ device_id: string }>(
      'SELECT device_id FROM {devices} WHERE user_id = ? ORDER BY device_id',
      ctx.caller,
    );
    for (const { device_id } of devices) removeDevice(ctx.store, ctx.caller, device_id);
    return { id_server_unbind_result: 'no-support' };
  }),
};

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
  session: query(Type.Object({ token_hash: TokenHash }, { additionalProperties: false }), (ctx, args) => {
    const row = ctx.store.get<{ user_id: string; device_id: string }>('access_tokens', args.token_hash);
    return row ? { user_id: row.user_id, device_id: row.device_id } : null;
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

/** A device's one live access token: a new login on a device replaces the token it had. */
function openSession(
  store: AppStore,
  time: number,
  userId: string,
  deviceId: string,
  tokenHash: string,
  displayName: string | undefined,
): void {
  if (!store.get('devices', { user_id: userId, device_id: deviceId })) {
    store.insert('devices', { user_id: userId, device_id: deviceId, display_name: displayName ?? null, created_at: time });
  }
  for (const old of tokensOf(store, userId, deviceId)) store.delete('access_tokens', old);
  store.insert('access_tokens', { token_hash: tokenHash, user_id: userId, device_id: deviceId, created_at: time });
}

function removeDevice(store: AppStore, userId: string, deviceId: string): void {
  for (const token of tokensOf(store, userId, deviceId)) store.delete('access_tokens', token);
  store.delete('devices', { user_id: userId, device_id: deviceId });
}

function tokensOf(store: AppStore, userId: string, deviceId: string): string[] {
  return store
    .select<{ token_hash: string }>(
      'SELECT token_hash FROM {access_tokens} WHERE user_id = ? AND device_id = ? ORDER BY token_hash',
      userId,
      deviceId,
    )
    .map((row) => row.token_hash);
}
