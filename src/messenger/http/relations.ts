import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import type { NodeContext } from '../../node/index.ts';
import type { ClientEvent } from '../events/index.ts';
import { formatStreamToken, MAX_TOKEN_LENGTH, parseStreamToken } from '../sync/token.ts';
import { authenticate } from './authenticate.ts';
import { runQuery } from './commands.ts';
import { clientV1Route } from './matrix-routes.ts';

const RelationParams = Type.Object({
  roomId: Type.String({ maxLength: 255 }),
  eventId: Type.String({ maxLength: 255 }),
  relType: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  eventType: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
});
const RelationQuery = Type.Object({
  from: Type.Optional(Type.String({ maxLength: MAX_TOKEN_LENGTH })),
  to: Type.Optional(Type.String({ maxLength: MAX_TOKEN_LENGTH })),
  limit: Type.Optional(Type.Integer({ minimum: 1 })),
  dir: Type.Optional(Type.Union([Type.Literal('b'), Type.Literal('f')])),
  recurse: Type.Optional(Type.Boolean()),
});
const RoomParams = Type.Object({ roomId: Type.String({ maxLength: 255 }) });
const TimestampQuery = Type.Object({
  ts: Type.Integer({ minimum: 0 }),
  dir: Type.Union([Type.Literal('b'), Type.Literal('f')]),
});

/** A page when the client names no limit (Synapse's), and the most one page holds. */
const DEFAULT_LIMIT = 5;
const MAX_LIMIT = 1000;

/**
 * GET /_matrix/client/v1/rooms/{roomId}/relations/{eventId}[/{relType}[/{eventType}]]: the
 * children of an event, paged like /messages; and GET …/timestamp_to_event. Both exist only
 * under v1.
 */
export function registerRelations(server: FastifyInstance, node: NodeContext): void {
  for (const suffix of ['', '/:relType', '/:relType/:eventType']) {
    clientV1Route(
      server,
      'GET',
      `/rooms/:roomId/relations/:eventId${suffix}`,
      { params: RelationParams, querystring: RelationQuery },
      async (request) => {
        const session = authenticate(request, node.subnet);
        const { roomId, eventId, relType, eventType } = request.params as Static<typeof RelationParams>;
        const query = request.query as Static<typeof RelationQuery>;
        const from = parseStreamToken(query.from, 'from');
        const to = parseStreamToken(query.to, 'to');
        const page = runQuery<{ chunk: ClientEvent[]; next?: number; recursion_depth?: number }>(
          node.subnet,
          'relations',
          {
            room_id: roomId,
            event_id: eventId,
            dir: query.dir ?? 'b',
            limit: Math.min(query.limit ?? DEFAULT_LIMIT, MAX_LIMIT),
            ...(relType === undefined ? {} : { rel_type: relType }),
            ...(eventType === undefined ? {} : { event_type: eventType }),
            ...(from === undefined ? {} : { from }),
            ...(to === undefined ? {} : { to }),
            ...(query.recurse === undefined ? {} : { recurse: query.recurse }),
          },
          session.userId,
        );
        return {
          chunk: page.chunk,
          ...(page.next === undefined ? {} : { next_batch: formatStreamToken(page.next) }),
          // As Synapse does: the page began where the client asked; a first page has no prev_batch.
          ...(query.from === undefined ? {} : { prev_batch: query.from }),
          ...(page.recursion_depth === undefined ? {} : { recursion_depth: page.recursion_depth }),
        };
      },
    );
  }
  clientV1Route(
    server,
    'GET',
    '/rooms/:roomId/timestamp_to_event',
    { params: RoomParams, querystring: TimestampQuery },
    async (request) => {
      const session = authenticate(request, node.subnet);
      const { ts, dir } = request.query as Static<typeof TimestampQuery>;
      const { roomId } = request.params as Static<typeof RoomParams>;
      return runQuery(node.subnet, 'timestamp_to_event', { room_id: roomId, ts, dir }, session.userId);
    },
  );
}
