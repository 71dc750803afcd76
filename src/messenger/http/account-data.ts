import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import { ApiError, type NodeContext } from '../../node/index.ts';
import { authenticate, type Session } from './authenticate.ts';
import { runCommand, runQuery } from './commands.ts';
import { assertEventFits } from './event-size.ts';
import { clientRoute } from './matrix-routes.ts';

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
    await runCommand(node.subnet, 'set_account_data', { room_id: roomId, type, content_json: assertEventFits(body) }, session.userId);
    return {};
  };
  clientRoute(server, 'PUT', '/user/:userId/account_data/:type', { params: GlobalParams, body: Content }, async (request) => {
    const { type } = request.params as Static<typeof GlobalParams>;
    return put(own(request), '', type, request.body);
  });
  clientRoute(server, 'GET', '/user/:userId/account_data/:type', { params: GlobalParams }, async (request) => {
    const session = own(request);
    return runQuery(
      node.subnet,
      'account_data',
      { room_id: '', type: (request.params as Static<typeof GlobalParams>).type },
      session.userId,
    );
  });
  clientRoute(server, 'PUT', '/user/:userId/rooms/:roomId/account_data/:type', { params: RoomParams, body: Content }, async (request) => {
    const { roomId, type } = request.params as Static<typeof RoomParams>;
    return put(own(request), roomId, type, request.body);
  });
  clientRoute(server, 'GET', '/user/:userId/rooms/:roomId/account_data/:type', { params: RoomParams }, async (request) => {
    const session = own(request);
    const { roomId, type } = request.params as Static<typeof RoomParams>;
    return runQuery(node.subnet, 'account_data', { room_id: roomId, type }, session.userId);
  });
}
