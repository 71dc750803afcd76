import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import type { NodeContext } from '../../node/index.ts';
import type { ClientEvent } from '../events/index.ts';
import { eventMatcher } from '../filter/index.ts';
import { formatStreamToken } from '../sync/token.ts';
import { authenticate } from './authenticate.ts';
import { runQuery } from './commands.ts';
import { roomEventFilterOf } from './filter.ts';
import { clientRoute } from './matrix-routes.ts';

const Params = Type.Object({ roomId: Type.String({ maxLength: 255 }), eventId: Type.String({ maxLength: 255 }) });
const Query = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 0 })),
  filter: Type.Optional(Type.String({ maxLength: 8192 })),
});

/** The most context events one request returns. */
const MAX_LIMIT = 1000;

interface Context {
  event: ClientEvent;
  events_before: ClientEvent[];
  events_after: ClientEvent[];
  state: ClientEvent[];
  start: number;
  end: number;
}

/** GET /rooms/{roomId}/context/{eventId}: the events around one event, and the state at the last of them. */
export function registerContext(server: FastifyInstance, node: NodeContext): void {
  clientRoute(server, 'GET', '/rooms/:roomId/context/:eventId', { params: Params, querystring: Query }, async (request) => {
    const session = authenticate(request, node.subnet);
    const { roomId, eventId } = request.params as Static<typeof Params>;
    const query = request.query as Static<typeof Query>;
    const filter = roomEventFilterOf(query.filter);
    const matches = eventMatcher(filter);
    const limit = Math.min(query.limit ?? 10, MAX_LIMIT);
    const context = runQuery<Context>(node.subnet, 'context', { room_id: roomId, event_id: eventId, limit }, session.userId);
    // The filter applies after the limit, which the specification leaves to the server.
    const before = context.events_before.filter((event) => matches(event));
    const after = context.events_after.filter((event) => matches(event));
    const senders = new Set([...before, context.event, ...after].map((event) => event.sender));
    const state = context.state.filter(
      (event) => matches(event) && (!filter?.lazy_load_members || event.type !== 'm.room.member' || senders.has(event.state_key ?? '')),
    );
    return {
      event: context.event,
      events_before: before,
      events_after: after,
      state,
      start: formatStreamToken(context.start),
      end: formatStreamToken(context.end),
    };
  });
}
