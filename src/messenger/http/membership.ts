import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import { ApiError, type NodeContext } from '../../node/index.ts';
import { authenticate } from './authenticate.ts';
import { runCommand, runQuery } from './commands.ts';
import { clientRoute } from './matrix-routes.ts';

const RoomParams = Type.Object({ roomId: Type.String({ maxLength: 255 }) });
const JoinParams = Type.Object({ roomIdOrAlias: Type.String({ maxLength: 255 }) });
const Reason = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 1024 })) });
const Target = Type.Object({
  user_id: Type.String({ pattern: '^@[^:]+:.+$', maxLength: 255 }),
  reason: Type.Optional(Type.String({ maxLength: 1024 })),
});

type Membership = 'join' | 'leave' | 'invite' | 'ban';

/** Join, leave, invite, kick, ban and unban: each one membership event, authorised by the room's rules. */
export function registerMembership(server: FastifyInstance, node: NodeContext): void {
  const change = async (
    request: { body: unknown },
    session: { userId: string },
    roomId: string,
    target: string,
    membership: Membership,
    from?: string[],
  ) => {
    const { reason } = reasonOf(request.body);
    const args = { room_id: roomId, target, membership, ...(reason ? { reason } : {}), ...(from ? { from } : {}) };
    await runCommand(node.subnet, 'membership', args, session.userId);
    return roomId;
  };

  clientRoute(server, 'POST', '/rooms/:roomId/join', { params: RoomParams }, async (request) => {
    const session = authenticate(request, node.subnet);
    const { roomId } = request.params as Static<typeof RoomParams>;
    return { room_id: await change(request, session, roomId, session.userId, 'join') };
  });
  clientRoute(server, 'POST', '/join/:roomIdOrAlias', { params: JoinParams }, async (request) => {
    const session = authenticate(request, node.subnet);
    const { roomIdOrAlias } = request.params as Static<typeof JoinParams>;
    const roomId = roomIdOrAlias.startsWith('#')
      ? runQuery<string>(node.subnet, 'resolve_alias', { alias: roomIdOrAlias }, session.userId)
      : roomIdOrAlias;
    return { room_id: await change(request, session, roomId, session.userId, 'join') };
  });
  clientRoute(server, 'POST', '/rooms/:roomId/leave', { params: RoomParams }, async (request) => {
    const session = authenticate(request, node.subnet);
    await change(request, session, (request.params as Static<typeof RoomParams>).roomId, session.userId, 'leave');
    return {};
  });
  clientRoute(server, 'POST', '/rooms/:roomId/forget', { params: RoomParams }, async (request) => {
    const session = authenticate(request, node.subnet);
    await runCommand(node.subnet, 'forget_room', { room_id: (request.params as Static<typeof RoomParams>).roomId }, session.userId);
    return {};
  });
  const onTarget = (path: string, membership: Membership, from?: string[]) =>
    clientRoute(server, 'POST', `/rooms/:roomId/${path}`, { params: RoomParams, body: Target }, async (request) => {
      const session = authenticate(request, node.subnet);
      const { user_id: target } = request.body as Static<typeof Target>;
      await change(request, session, (request.params as Static<typeof RoomParams>).roomId, target, membership, from);
      return {};
    });
  onTarget('invite', 'invite');
  onTarget('kick', 'leave', ['join', 'invite', 'knock']);
  onTarget('ban', 'ban');
  onTarget('unban', 'leave', ['ban']);
}

/** Join and leave may come without a body; with one, only a string `reason` is read. */
function reasonOf(body: unknown): Static<typeof Reason> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new ApiError(400, 'M_BAD_JSON', 'the body must be a JSON object');
  const { reason } = body as { reason?: unknown };
  if (reason !== undefined && (typeof reason !== 'string' || reason.length > 1024)) {
    throw new ApiError(400, 'M_BAD_JSON', 'reason must be a string of at most 1024 characters');
  }
  return reason === undefined ? {} : { reason };
}
