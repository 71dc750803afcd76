import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import type { NodeContext } from '../../node/index.ts';
import { authenticate } from './authenticate.ts';
import { runCommand } from './commands.ts';
import { assertEventFits } from './event-size.ts';
import { clientRoute } from './matrix-routes.ts';
import { limitSends, type RateLimits } from './rate-limits.ts';

const Content = Type.Record(Type.String(), Type.Unknown());
const SendParams = Type.Object({
  roomId: Type.String({ maxLength: 255 }),
  eventType: Type.String({ minLength: 1, maxLength: 255 }),
  txnId: Type.String({ minLength: 1, maxLength: 255 }),
});
const StateParams = Type.Object({
  roomId: Type.String({ maxLength: 255 }),
  eventType: Type.String({ minLength: 1, maxLength: 255 }),
  stateKey: Type.Optional(Type.String({ maxLength: 255 })),
});

/**
 * Sending events. A message's transaction id makes its command id: the same device retrying
 * the same transaction gets the first event back instead of a second one.
 */
export function registerSend(server: FastifyInstance, node: NodeContext, limits: RateLimits): void {
  clientRoute(
    server,
    'PUT',
    '/rooms/:roomId/send/:eventType/:txnId',
    { params: SendParams, body: Content },
    async (request) => {
      const session = authenticate(request, node.subnet);
      const { roomId, eventType, txnId } = request.params as Static<typeof SendParams>;
      const txn = { device_id: session.deviceId, txn_id: txnId };
      const content_json = assertEventFits(request.body);
      return runCommand(node.subnet, 'send_event', { room_id: roomId, type: eventType, content_json, txn }, session.userId);
    },
    limitSends(limits),
  );
  const putState = async (request: { params: unknown; body: unknown }, session: { userId: string }) => {
    const { roomId, eventType, stateKey = '' } = request.params as Static<typeof StateParams>;
    return runCommand(
      node.subnet,
      'send_event',
      { room_id: roomId, type: eventType, state_key: stateKey, content_json: assertEventFits(request.body) },
      session.userId,
    );
  };
  for (const path of ['/rooms/:roomId/state/:eventType', '/rooms/:roomId/state/:eventType/:stateKey']) {
    clientRoute(
      server,
      'PUT',
      path,
      { params: StateParams, body: Content },
      async (request) => putState(request, authenticate(request, node.subnet)),
      limitSends(limits),
    );
  }
}
