import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import { ApiError, type NodeContext } from '../../node/index.ts';
import { authenticate, type Session } from './authenticate.ts';
import { runCommand, runQuery } from './commands.ts';
import { CONTENT_REPLY, clientRoute } from './matrix-routes.ts';

const GlobalParams = Type.Object({ userId: Type.String({ maxLength: 255 }), type: Type.String({ minLength: 1, maxLength: 255 }) });
const RoomParams = Type.Object({
  userId: Type.String({ maxLength: 255 }),
  roomId: Type.String({ maxLength: 255 }),
  type: Type.String({ minLength: 1, maxLength: 255 }),
});
const Content = Type.Record(Type.String(), Type.Unknown());

/** A user's account data, global and per room; each user reads and writes only their own. */
export function registerAccountData(server: FastifyInstance, node: NodeContext): void {
  const own = (request: Parameters<typeof authenticate>[0]): Session => {
    const session = authenticate(request, node.subnet);
    if ((request.params as { userId: string }).userId !== session.userId)
      throw new ApiError(403, 'M_FORBIDDEN', 'you can only use your own account data');
    return session;
  };
  const put = async (session: Session, roomId: string, type: string, body: unknown) => {
    await runCommand(node.subnet, 'set_account_data', { room_id: roomId, type, content_json: accountDataJson(body) }, session.userId);
    return {};
  };
  clientRoute(server, 'PUT', '/user/:userId/account_data/:type', { params: GlobalParams, body: Content }, async (request) => {
    const { type } = request.params as Static<typeof GlobalParams>;
    return put(own(request), '', type, request.body);
  });
  clientRoute(
    server,
    'GET',
    '/user/:userId/account_data/:type',
    { params: GlobalParams },
    async (request) => {
      const session = own(request);
      return runQuery(
        node.subnet,
        'account_data',
        { room_id: '', type: (request.params as Static<typeof GlobalParams>).type },
        session.userId,
      );
    },
    CONTENT_REPLY,
  );
  clientRoute(server, 'PUT', '/user/:userId/rooms/:roomId/account_data/:type', { params: RoomParams, body: Content }, async (request) => {
    const { roomId, type } = request.params as Static<typeof RoomParams>;
    return put(own(request), roomId, type, request.body);
  });
  clientRoute(
    server,
    'GET',
    '/user/:userId/rooms/:roomId/account_data/:type',
    { params: RoomParams },
    async (request) => {
      const session = own(request);
      const { roomId, type } = request.params as Static<typeof RoomParams>;
      return runQuery(node.subnet, 'account_data', { room_id: roomId, type }, session.userId);
    },
    CONTENT_REPLY,
  );
}

const TagParams = Type.Object({
  userId: Type.String({ maxLength: 255 }),
  roomId: Type.String({ maxLength: 255 }),
  tag: Type.String({ minLength: 1, maxLength: 255 }),
});
const TagsParams = Type.Object({ userId: Type.String({ maxLength: 255 }), roomId: Type.String({ maxLength: 255 }) });
const Tag = Type.Object({ order: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })) });

/** Room tags (favourites, low priority, ...): the room's m.tag account data, one tag at a time. */
export function registerTags(server: FastifyInstance, node: NodeContext): void {
  const own = (request: Parameters<typeof authenticate>[0]): Session => {
    const session = authenticate(request, node.subnet);
    if ((request.params as { userId: string }).userId !== session.userId)
      throw new ApiError(403, 'M_FORBIDDEN', 'you can only use your own tags');
    return session;
  };
  clientRoute(server, 'GET', '/user/:userId/rooms/:roomId/tags', { params: TagsParams }, async (request) => {
    const session = own(request);
    const { roomId } = request.params as Static<typeof TagsParams>;
    try {
      return runQuery(node.subnet, 'account_data', { room_id: roomId, type: 'm.tag' }, session.userId);
    } catch (error) {
      if (error instanceof ApiError && error.errcode === 'M_NOT_FOUND') return { tags: {} };
      throw error;
    }
  });
  clientRoute(server, 'PUT', '/user/:userId/rooms/:roomId/tags/:tag', { params: TagParams, body: Tag }, async (request) => {
    const session = own(request);
    const { roomId, tag } = request.params as Static<typeof TagParams>;
    await runCommand(node.subnet, 'set_tag', { room_id: roomId, tag, tag_json: JSON.stringify(request.body) }, session.userId);
    return {};
  });
  clientRoute(server, 'DELETE', '/user/:userId/rooms/:roomId/tags/:tag', { params: TagParams }, async (request) => {
    const session = own(request);
    const { roomId, tag } = request.params as Static<typeof TagParams>;
    await runCommand(node.subnet, 'set_tag', { room_id: roomId, tag, tag_json: null }, session.userId);
    return {};
  });
}

/**
 * Account data as it travels through the log: a JSON string. Unlike an event it is not
 * hashed, so it may hold what canonical JSON cannot (a tag's fractional order); the string
 * is what every replica stores.
 */
function accountDataJson(body: unknown): string {
  const json = JSON.stringify(body);
  if (Buffer.byteLength(json) > 65_536) throw new ApiError(413, 'M_TOO_LARGE', 'account data may be at most 65536 bytes');
  return json;
}
