import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import { ApiError, type NodeContext } from '../../node/index.ts';
import { authenticate } from './authenticate.ts';
import { runCommand } from './commands.ts';
import { clientRoute } from './matrix-routes.ts';

const Params = Type.Object({
  roomId: Type.String({ maxLength: 255 }),
  receiptType: Type.String({ maxLength: 64 }),
  eventId: Type.String({ maxLength: 255 }),
});
const Body = Type.Object({ thread_id: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })) });
const RoomParams = Type.Object({ roomId: Type.String({ maxLength: 255 }) });
const Markers = Type.Object({
  'm.fully_read': Type.Optional(Type.String({ maxLength: 255 })),
  'm.read': Type.Optional(Type.String({ maxLength: 255 })),
  'm.read.private': Type.Optional(Type.String({ maxLength: 255 })),
});

/** Read receipts, and the read-markers endpoint that sets them together. */
export function registerReceipts(server: FastifyInstance, node: NodeContext): void {
  clientRoute(
    server,
    'POST',
    '/rooms/:roomId/receipt/:receiptType/:eventId',
    { params: Params, body: Type.Optional(Body) },
    async (request) => {
      const session = authenticate(request, node.subnet);
      const { roomId, receiptType, eventId } = request.params as Static<typeof Params>;
      if (receiptType === 'm.fully_read') {
        await runCommand(node.subnet, 'fully_read', { room_id: roomId, event_id: eventId }, session.userId);
        return {};
      }
      if (receiptType !== 'm.read' && receiptType !== 'm.read.private') {
        throw new ApiError(400, 'M_INVALID_PARAM', `receipt type must be m.read, m.read.private or m.fully_read, not ${receiptType}`);
      }
      const { thread_id: threadId } = (request.body ?? {}) as Static<typeof Body>;
      await runCommand(
        node.subnet,
        'receipt',
        { room_id: roomId, event_id: eventId, type: receiptType, ...(threadId ? { thread_id: threadId } : {}) },
        session.userId,
      );
      return {};
    },
  );
  clientRoute(server, 'POST', '/rooms/:roomId/read_markers', { params: RoomParams, body: Markers }, async (request) => {
    const session = authenticate(request, node.subnet);
    const { roomId } = request.params as Static<typeof RoomParams>;
    const markers = request.body as Static<typeof Markers>;
    const fullyRead = markers['m.fully_read'];
    if (fullyRead) await runCommand(node.subnet, 'fully_read', { room_id: roomId, event_id: fullyRead }, session.userId);
    for (const type of ['m.read', 'm.read.private'] as const) {
      const eventId = markers[type];
      if (eventId) await runCommand(node.subnet, 'receipt', { room_id: roomId, event_id: eventId, type }, session.userId);
    }
    return {};
  });
}
