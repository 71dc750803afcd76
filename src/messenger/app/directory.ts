import Type from 'typebox';
import { type AppContext, AppError, type AppStore, method, query, type TableSpec } from '../../subnet/index.ts';
import type { Pdu } from '../events/index.ts';
import { readPowerLevels, stateEvent, userLevel } from '../rooms/index.ts';
import { appendEvent } from './room-events.ts';
import { currentStateEvent, StoredRoomState } from './room-state.ts';
import type { RoomRow } from './room-tables.ts';

/** Room aliases of this server, and who made each. */
export const directoryTables: TableSpec[] = [
  { name: 'aliases', columns: { alias: 'text', room_id: 'text', creator: 'text' }, primaryKey: ['alias'], indexes: [['room_id']] },
];

const Alias = Type.String({ pattern: '^#[^:]+:.+$', maxLength: 255 });
const RoomId = Type.String({ pattern: '^![^:]+:.+$', maxLength: 255 });

function isJoined(store: AppStore, roomId: string, userId: string): boolean {
  return store.get<{ membership: string }>('memberships', { user_id: userId, room_id: roomId })?.membership === 'join';
}

function levelsOf(store: AppStore, roomId: string) {
  const state = new StoredRoomState(store, roomId);
  return readPowerLevels(stateEvent(state, 'm.room.power_levels', ''), stateEvent(state, 'm.room.create', ''));
}

/** Creates an alias for a room the caller is in; refused when the alias is taken. */
export function createAlias(ctx: AppContext, alias: string, roomId: string): void {
  if (!ctx.store.get<RoomRow>('rooms', roomId)) throw new AppError('M_NOT_FOUND', `there is no room ${roomId}`);
  if (!isJoined(ctx.store, roomId, ctx.caller)) throw new AppError('M_FORBIDDEN', `${ctx.caller} is not in room ${roomId}`);
  if (ctx.store.get('aliases', alias)) throw new AppError('M_ROOM_IN_USE', `the alias ${alias} is taken`);
  ctx.store.insert('aliases', { alias, room_id: roomId, creator: ctx.caller });
}

export const directoryMethods = {
  create_alias: method(Type.Object({ alias: Alias, room_id: RoomId }, { additionalProperties: false }), (ctx, args) => {
    createAlias(ctx, args.alias, args.room_id);
    return {};
  }),
  /** Removes an alias: by whoever made it, or by someone who may change the room's state. */
  delete_alias: method(Type.Object({ alias: Alias }, { additionalProperties: false }), (ctx, args) => {
    const row = ctx.store.get<{ room_id: string; creator: string }>('aliases', args.alias);
    if (!row) throw new AppError('M_NOT_FOUND', `there is no alias ${args.alias}`);
    if (row.creator !== ctx.caller) {
      const levels = levelsOf(ctx.store, row.room_id);
      if (userLevel(levels, ctx.caller) < levels.state_default)
        throw new AppError('M_FORBIDDEN', 'only the alias’s creator or a room moderator may remove it');
    }
    ctx.store.delete('aliases', args.alias);
    return {};
  }),
  /** Lists a room in the public directory, or takes it out: for those who may change its state. */
  set_room_visibility: method(
    Type.Object(
      { room_id: RoomId, visibility: Type.Union([Type.Literal('public'), Type.Literal('private')]) },
      { additionalProperties: false },
    ),
    (ctx, args) => {
      if (!ctx.store.get<RoomRow>('rooms', args.room_id)) throw new AppError('M_NOT_FOUND', `there is no room ${args.room_id}`);
      const levels = levelsOf(ctx.store, args.room_id);
      if (userLevel(levels, ctx.caller) < levels.state_default)
        throw new AppError('M_FORBIDDEN', 'only a room moderator may change whether it is listed');
      ctx.store.update('rooms', args.room_id, { visibility: args.visibility });
      return {};
    },
  ),
};

interface PublicRoom {
  room_id: string;
  num_joined_members: number;
  world_readable: boolean;
  guest_can_join: boolean;
  join_rule: string;
  name?: string;
  topic?: string;
  canonical_alias?: string;
}

export const directoryQueries = {
  resolve_alias: query(Type.Object({ alias: Alias }, { additionalProperties: false }), (ctx, args) => {
    const row = ctx.store.get<{ room_id: string }>('aliases', args.alias);
    if (!row) throw new AppError('M_NOT_FOUND', `there is no room alias ${args.alias}`);
    return row.room_id;
  }),
  room_aliases: query(Type.Object({ room_id: RoomId }, { additionalProperties: false }), (ctx, args) => {
    if (!isJoined(ctx.store, args.room_id, ctx.caller)) throw new AppError('M_FORBIDDEN', `${ctx.caller} is not in room ${args.room_id}`);
    return ctx.store
      .select<{ alias: string }>('SELECT alias FROM {aliases} WHERE room_id = ? ORDER BY alias', args.room_id)
      .map((r) => r.alias);
  }),
  room_visibility: query(Type.Object({ room_id: RoomId }, { additionalProperties: false }), (ctx, args) => {
    const room = ctx.store.get<RoomRow>('rooms', args.room_id);
    if (!room) throw new AppError('M_NOT_FOUND', `there is no room ${args.room_id}`);
    return room.visibility;
  }),
  /** A page of the public directory, most members first, optionally matching a search term. */
  public_rooms: query(
    Type.Object(
      { limit: Type.Integer({ minimum: 1, maximum: 500 }), offset: Type.Integer({ minimum: 0 }), term: Type.String({ maxLength: 255 }) },
      { additionalProperties: false },
    ),
    (ctx, args) => {
      const rooms = ctx.store
        .select<{ room_id: string; members: number }>(
          `SELECT r.room_id, (SELECT count(*) FROM {memberships} m WHERE m.room_id = r.room_id AND m.membership = 'join') AS members
           FROM {rooms} r WHERE r.visibility = 'public' ORDER BY members DESC, r.room_id`,
        )
        .map((row) => describe(ctx.store, row.room_id, row.members))
        .filter((room) => matches(room, args.term));
      const chunk = rooms.slice(args.offset, args.offset + args.limit);
      return { chunk, total: rooms.length, more: args.offset + args.limit < rooms.length };
    },
  ),
  /** Users the caller shares a room with, or who are in a public room, matching the term. */
  search_users: query(
    Type.Object(
      { term: Type.String({ minLength: 1, maxLength: 255 }), limit: Type.Integer({ minimum: 1, maximum: 100 }) },
      { additionalProperties: false },
    ),
    (ctx, args) => {
      const pattern = `%${args.term.toLowerCase().replace(/[!%_]/g, (c) => `!${c}`)}%`;
      const rows = ctx.store.select<{ user_id: string; displayname: string | null; avatar_url: string | null }>(
        `SELECT DISTINCT m.user_id, p.displayname, p.avatar_url FROM {memberships} m
       LEFT JOIN {profiles} p ON p.user_id = m.user_id
       WHERE m.membership = 'join'
         AND (m.room_id IN (SELECT room_id FROM {memberships} WHERE user_id = ? AND membership = 'join')
              OR m.room_id IN (SELECT room_id FROM {rooms} WHERE visibility = 'public'))
         AND (lower(m.user_id) LIKE ? ESCAPE '!' OR lower(coalesce(p.displayname, '')) LIKE ? ESCAPE '!')
       ORDER BY m.user_id LIMIT ?`,
        ctx.caller,
        pattern,
        pattern,
        args.limit + 1,
      );
      const results = rows.slice(0, args.limit).map((row) => ({
        user_id: row.user_id,
        ...(row.displayname ? { display_name: row.displayname } : {}),
        ...(row.avatar_url ? { avatar_url: row.avatar_url } : {}),
      }));
      return { results, limited: rows.length > args.limit };
    },
  ),
};

function stateContent(store: AppStore, roomId: string, type: string): Record<string, unknown> | undefined {
  const row = currentStateEvent(store, roomId, type, '');
  return row ? (JSON.parse(row.pdu) as Pdu).content : undefined;
}

function describe(store: AppStore, roomId: string, members: number): PublicRoom {
  const name = stateContent(store, roomId, 'm.room.name')?.name;
  const topic = stateContent(store, roomId, 'm.room.topic')?.topic;
  const alias = stateContent(store, roomId, 'm.room.canonical_alias')?.alias;
  return {
    room_id: roomId,
    num_joined_members: members,
    world_readable: stateContent(store, roomId, 'm.room.history_visibility')?.history_visibility === 'world_readable',
    guest_can_join: stateContent(store, roomId, 'm.room.guest_access')?.guest_access === 'can_join',
    join_rule: String(stateContent(store, roomId, 'm.room.join_rules')?.join_rule ?? 'invite'),
    ...(typeof name === 'string' ? { name } : {}),
    ...(typeof topic === 'string' ? { topic } : {}),
    ...(typeof alias === 'string' ? { canonical_alias: alias } : {}),
  };
}

function matches(room: PublicRoom, term: string): boolean {
  if (term === '') return true;
  const needle = term.toLowerCase();
  return [room.name, room.topic, room.canonical_alias].some((field) => field?.toLowerCase().includes(needle));
}

/** Used by createRoom: the alias and, as the spec orders, the m.room.canonical_alias event. */
export function aliasNewRoom(ctx: AppContext, roomId: string, alias: string): void {
  createAlias(ctx, alias, roomId);
  appendEvent(ctx, roomId, { type: 'm.room.canonical_alias', state_key: '', sender: ctx.caller, content: { alias } });
}
