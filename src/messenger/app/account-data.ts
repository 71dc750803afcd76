import Type from 'typebox';
import { AppError, type AppStore, method, query, type TableSpec } from '../../subnet/index.ts';
import type { JsonObject } from '../events/index.ts';
import { pushRulesContent } from './push-rules.ts';
import { nextStream } from './room-events.ts';
import { announceProfile } from './rooms.ts';

/**
 * A user's own data kept for their clients — global (`room_id` empty) or per room. Each
 * change takes a position in the stream, so sync sends what a client has not seen.
 */
export const accountDataTables: TableSpec[] = [
  {
    name: 'account_data',
    columns: { user_id: 'text', room_id: 'text', type: 'text', content: 'text', stream: 'integer' },
    primaryKey: ['user_id', 'room_id', 'type'],
    // By stream alone too: the account data stream asks whose data changed between two positions.
    indexes: [['user_id', 'stream'], ['stream']],
  },
  { name: 'profiles', columns: { user_id: 'text', displayname: 'text?', avatar_url: 'text?' }, primaryKey: ['user_id'] },
];

const RoomKey = Type.String({ maxLength: 255 });
const DataType = Type.String({ minLength: 1, maxLength: 255 });

export const accountDataMethods = {
  set_account_data: method(
    Type.Object({ room_id: RoomKey, type: DataType, content_json: Type.String({ maxLength: 70_000 }) }, { additionalProperties: false }),
    (ctx, args) => {
      if (args.type === 'm.fully_read' || args.type === 'm.push_rules') {
        throw new AppError('M_BAD_JSON', `${args.type} is managed by the server; use its own endpoint`);
      }
      ctx.store.put('account_data', {
        user_id: ctx.caller,
        room_id: args.room_id,
        type: args.type,
        content: args.content_json,
        stream: nextStream(ctx),
      });
      return {};
    },
  ),
  /** Adds (with its content) or removes one tag of a room, in the room's m.tag account data. */
  set_tag: method(
    Type.Object(
      {
        room_id: RoomKey,
        tag: Type.String({ minLength: 1, maxLength: 255 }),
        tag_json: Type.Union([Type.String({ maxLength: 4096 }), Type.Null()]),
      },
      { additionalProperties: false },
    ),
    (ctx, args) => {
      const key = { user_id: ctx.caller, room_id: args.room_id, type: 'm.tag' };
      const current = ctx.store.get<{ content: string }>('account_data', key);
      const tags = current ? ((JSON.parse(current.content) as { tags?: Record<string, unknown> }).tags ?? {}) : {};
      if (args.tag_json === null) delete tags[args.tag];
      else tags[args.tag] = JSON.parse(args.tag_json) as unknown;
      ctx.store.put('account_data', { ...key, content: JSON.stringify({ tags }), stream: nextStream(ctx) });
      return {};
    },
  ),
  set_profile: method(
    Type.Object(
      {
        field: Type.Union([Type.Literal('displayname'), Type.Literal('avatar_url')]),
        value: Type.Union([Type.String({ maxLength: 1024 }), Type.Null()]),
      },
      { additionalProperties: false },
    ),
    (ctx, args) => {
      const current = ctx.store.get<{ displayname: string | null; avatar_url: string | null }>('profiles', ctx.caller);
      ctx.store.put('profiles', {
        user_id: ctx.caller,
        displayname: current?.displayname ?? null,
        avatar_url: current?.avatar_url ?? null,
        [args.field]: args.value,
      });
      announceProfile(ctx, ctx.caller);
      return {};
    },
  ),
};

export const accountDataQueries = {
  account_data: query(Type.Object({ room_id: RoomKey, type: DataType }, { additionalProperties: false }), (ctx, args) => {
    // The ruleset exists (the server's defaults) before the user changes anything.
    if (args.room_id === '' && args.type === 'm.push_rules') return pushRulesContent(ctx.store, ctx.caller) as unknown as JsonObject;
    const row = ctx.store.get<{ content: string }>('account_data', { user_id: ctx.caller, room_id: args.room_id, type: args.type });
    if (!row) throw new AppError('M_NOT_FOUND', `you have no ${args.type} account data${args.room_id ? ' in this room' : ''}`);
    return JSON.parse(row.content) as JsonObject;
  }),
  profile: query(Type.Object({ user_id: Type.String({ maxLength: 255 }) }, { additionalProperties: false }), (ctx, args) => {
    if (!ctx.store.get('users', args.user_id)) throw new AppError('M_NOT_FOUND', `there is no user ${args.user_id}`);
    const row = ctx.store.get<{ displayname: string | null; avatar_url: string | null }>('profiles', args.user_id);
    return { ...(row?.displayname ? { displayname: row.displayname } : {}), ...(row?.avatar_url ? { avatar_url: row.avatar_url } : {}) };
  }),
};

/** Account data changed after `since` (all of it when `since` is absent), as sync events. */
export function accountDataEvents(
  store: AppStore,
  userId: string,
  roomId: string,
  since: number | undefined,
): { type: string; content: JsonObject }[] {
  return store
    .select<{ type: string; content: string }>(
      'SELECT type, content FROM {account_data} WHERE user_id = ? AND room_id = ? AND stream > ? ORDER BY stream',
      userId,
      roomId,
      since ?? 0,
    )
    .map((row) => ({ type: row.type, content: JSON.parse(row.content) as JsonObject }));
}
