import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import { ApiError, type NodeContext } from '../../node/index.ts';
import type { TypingStore } from '../typing.ts';
import { authenticate } from './authenticate.ts';
import { runQuery } from './commands.ts';
import { clientRoute } from './matrix-routes.ts';

const Params = Type.Object({ roomId: Type.String({ maxLength: 255 }), userId: Type.String({ maxLength: 255 }) });
const Body = Type.Object({ typing: Type.Boolean(), timeout: Type.Optional(Type.Integer({ minimum: 0 })) });

/** The longest a client may claim to be typing without renewing it. */
const MAX_TYPING_MS = 120_000;

/** PUT /rooms/{roomId}/typing/{userId}: a member says they are (no longer) typing. */
export function registerTyping(server: FastifyInstance, node: NodeContext, typing: TypingStore): void {
  clientRoute(server, 'PUT', '/rooms/:roomId/typing/:userId', { params: Params, body: Body }, async (request) => {
    const session = authenticate(request, node.subnet);
    const { roomId, userId } = request.params as Static<typeof Params>;
    if (userId !== session.userId) throw new ApiError(403, 'M_FORBIDDEN', 'you can only say whether you yourself are typing');
    const rooms = runQuery<string[]>(node.subnet, 'joined_rooms', {}, session.userId);
    if (!rooms.includes(roomId)) throw new ApiError(403, 'M_FORBIDDEN', `${session.userId} is not in room ${roomId}`);
    const body = request.body as Static<typeof Body>;
    await typing.set(roomId, userId, body.typing, Math.min(body.timeout ?? 30_000, MAX_TYPING_MS));
    return {};
  });
}
