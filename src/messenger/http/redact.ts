import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import type { NodeContext } from '../../node/index.ts';
import { authenticate } from './authenticate.ts';
import { runCommand } from './commands.ts';
import { clientRoute } from './matrix-routes.ts';
import { limitSends, type RateLimits } from './rate-limits.ts';

const Params = Type.Object({
  roomId: Type.String({ maxLength: 255 }),
  eventId: Type.String({ maxLength: 255 }),
  txnId: Type.String({ minLength: 1, maxLength: 255 }),
});
const Body = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 1024 })) });

/** PUT /rooms/{roomId}/redact/{eventId}/{txnId}: idempotent per device transaction, like sending. */
export function registerRedact(server: FastifyInstance, node: NodeContext, limits: RateLimits): void {
  clientRoute(
    server,
    'PUT',
    '/rooms/:roomId/redact/:eventId/:txnId',
    { params: Params, body: Body },
    async (request) => {
      const session = authenticate(request, node.subnet);
      const { roomId, eventId, txnId } = request.params as Static<typeof Params>;
      const { reason } = request.body as Static<typeof Body>;
      const txn = { device_id: session.deviceId, txn_id: txnId };
      return runCommand(node.subnet, 'redact', { room_id: roomId, event_id: eventId, txn, ...(reason ? { reason } : {}) }, session.userId);
    },
    limitSends(limits),
  );
}
