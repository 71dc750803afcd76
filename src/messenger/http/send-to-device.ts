import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import { ApiError, type NodeContext } from '../../node/index.ts';
import { authenticate } from './authenticate.ts';
import { runCommand } from './commands.ts';
import { clientRoute } from './matrix-routes.ts';
import { localUsersOf } from './remote-users.ts';

const Params = Type.Object({
  eventType: Type.String({ minLength: 1, maxLength: 255 }),
  txnId: Type.String({ minLength: 1, maxLength: 255 }),
});
const UserId = Type.String({ pattern: '^@[^:]+:.+$', maxLength: 255 });
const Body = Type.Object({
  messages: Type.Record(
    UserId,
    Type.Record(Type.String({ minLength: 1, maxLength: 255 }), Type.Record(Type.String(), Type.Unknown()), { maxProperties: 10_000 }),
    // Record keys that fail the user id pattern would otherwise pass as extra properties.
    { maxProperties: 10_000, additionalProperties: false },
  ),
});

/** The most one message's content may weigh, as for an event. */
const MAX_CONTENT_BYTES = 65_536;

/**
 * PUT /sendToDevice/{eventType}/{txnId}: queues one message per device, `*` meaning every
 * device of the user. The device's transaction id makes a retry queue nothing twice. Each
 * content travels through the log as the JSON the client sent.
 */
export function registerSendToDevice(server: FastifyInstance, node: NodeContext): void {
  clientRoute(server, 'PUT', '/sendToDevice/:eventType/:txnId', { params: Params, body: Body }, async (request) => {
    const session = authenticate(request, node.subnet);
    const { eventType, txnId } = request.params as Static<typeof Params>;
    // No federation yet: messages for other servers' users have nowhere to go.
    const { local } = localUsersOf((request.body as Static<typeof Body>).messages, node.serverName);
    const messages: Record<string, Record<string, string>> = {};
    for (const [userId, byDevice] of Object.entries(local)) {
      messages[userId] = {};
      for (const [deviceId, content] of Object.entries(byDevice)) {
        const json = JSON.stringify(content);
        if (Buffer.byteLength(json) > MAX_CONTENT_BYTES)
          throw new ApiError(413, 'M_TOO_LARGE', `a to-device message may be at most ${MAX_CONTENT_BYTES} bytes`);
        (messages[userId] as Record<string, string>)[deviceId] = json;
      }
    }
    await runCommand(
      node.subnet,
      'send_to_device',
      { device_id: session.deviceId, txn_id: txnId, type: eventType, messages },
      session.userId,
    );
    return {};
  });
}
