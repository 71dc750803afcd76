import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import { ApiError, type NodeContext } from '../../node/index.ts';
import { authenticate } from './authenticate.ts';
import { runCommand } from './commands.ts';
import { clientRoute } from './matrix-routes.ts';

const Content = Type.Record(Type.String(), Type.Unknown());
const CreateRoomBody = Type.Object({
  preset: Type.Optional(Type.Union([Type.Literal('private_chat'), Type.Literal('trusted_private_chat'), Type.Literal('public_chat')])),
  visibility: Type.Optional(Type.Union([Type.Literal('public'), Type.Literal('private')])),
  name: Type.Optional(Type.String({ maxLength: 255 })),
  topic: Type.Optional(Type.String({ maxLength: 4096 })),
  invite: Type.Optional(Type.Array(Type.String({ pattern: '^@[^:]+:.+$', maxLength: 255 }), { maxItems: 100 })),
  is_direct: Type.Optional(Type.Boolean()),
  initial_state: Type.Optional(
    Type.Array(Type.Object({ type: Type.String({ minLength: 1 }), state_key: Type.Optional(Type.String()), content: Content }), {
      maxItems: 100,
    }),
  ),
  power_level_content_override: Type.Optional(Content),
  creation_content: Type.Optional(Content),
  room_version: Type.Optional(Type.String()),
  room_alias_name: Type.Optional(Type.String({ maxLength: 255 })),
  invite_3pid: Type.Optional(Type.Array(Type.Unknown())),
});

const ROOM_APP_KEYS = [
  'preset',
  'visibility',
  'name',
  'topic',
  'invite',
  'is_direct',
  'initial_state',
  'power_level_content_override',
  'creation_content',
  'room_alias_name',
] as const;

/** POST /createRoom: the whole creation sequence is one command, so a room appears whole or not at all. */
export function registerCreateRoom(server: FastifyInstance, node: NodeContext): void {
  clientRoute(server, 'POST', '/createRoom', { body: CreateRoomBody }, async (request) => {
    const session = authenticate(request, node.subnet);
    const body = request.body as Static<typeof CreateRoomBody>;
    if (body.room_version !== undefined && body.room_version !== '11') {
      throw new ApiError(400, 'M_UNSUPPORTED_ROOM_VERSION', `this server creates rooms of version 11 only, not ${body.room_version}`);
    }
    if (body.invite_3pid && body.invite_3pid.length > 0) {
      throw new ApiError(400, 'M_INVALID_PARAM', 'inviting by e-mail or phone number is not available on this server; invite by user id');
    }
    if (body.room_alias_name !== undefined && !/^[^:#\s]{1,200}$/.test(body.room_alias_name)) {
      throw new ApiError(400, 'M_INVALID_PARAM', 'room_alias_name is the local part of an alias: no ":", "#" or spaces');
    }
    // Only what the room app knows goes into the command.
    const defined = Object.fromEntries(ROOM_APP_KEYS.filter((key) => body[key] !== undefined).map((key) => [key, body[key]]));
    const { room_id } = await runCommand<{ room_id: string }>(
      node.subnet,
      'create_room',
      { ...defined, server_name: node.serverName },
      session.userId,
    );
    return { room_id };
  });
}
