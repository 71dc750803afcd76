import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import type { NodeContext } from '../../node/index.ts';
import type { ClientEvent } from '../events/index.ts';
import { eventMatcher } from '../filter/index.ts';
import { formatStreamToken, MAX_TOKEN_LENGTH, parseStreamToken } from '../sync/token.ts';
import { authenticate } from './authenticate.ts';
import { runQuery } from './commands.ts';
import { roomEventFilterOf } from './filter.ts';
import { CONTENT_REPLY, clientRoute } from './matrix-routes.ts';

const RoomParams = Type.Object({ roomId: Type.String({ maxLength: 255 }) });
const StateParams = Type.Object({
  roomId: Type.String({ maxLength: 255 }),
  eventType: Type.String({ minLength: 1, maxLength: 255 }),
  stateKey: Type.Optional(Type.String({ maxLength: 255 })),
});
const EventParams = Type.Object({ roomId: Type.String({ maxLength: 255 }), eventId: Type.String({ maxLength: 255 }) });
const MessagesQuery = Type.Object({
  from: Type.Optional(Type.String({ maxLength: MAX_TOKEN_LENGTH })),
  to: Type.Optional(Type.String({ maxLength: MAX_TOKEN_LENGTH })),
  dir: Type.Union([Type.Literal('b'), Type.Literal('f')]),
  limit: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
  filter: Type.Optional(Type.String({ maxLength: 8192 })),
});

/** Reading a room: its timeline, state, members and single events, from this replica's state. */
export function registerRoomReads(server: FastifyInstance, node: NodeContext): void {
  const read = <T>(name: string, args: Record<string, unknown>, userId: string) => runQuery<T>(node.subnet, name, args, userId);

  clientRoute(server, 'GET', '/joined_rooms', {}, async (request) => ({
    joined_rooms: read('joined_rooms', {}, authenticate(request, node.subnet).userId),
  }));
  clientRoute(server, 'GET', '/rooms/:roomId/messages', { params: RoomParams, querystring: MessagesQuery }, async (request) => {
    const session = authenticate(request, node.subnet);
    const query = request.query as Static<typeof MessagesQuery>;
    const from = parseStreamToken(query.from, 'from');
    const to = parseStreamToken(query.to, 'to');
    const limit = Math.max(1, query.limit ?? 10);
    const matches = eventMatcher(roomEventFilterOf(query.filter));
    const page = read<{ chunk: ClientEvent[]; start: number; end?: number }>(
      'messages',
      {
        room_id: (request.params as Static<typeof RoomParams>).roomId,
        dir: query.dir,
        limit,
        ...(from === undefined ? {} : { from }),
        ...(to === undefined ? {} : { to }),
      },
      session.userId,
    );
    // The filter applies to the page the limit cut; `end` still moves past every event read.
    const chunk = page.chunk.filter((event) => matches(event));
    return {
      chunk,
      start: formatStreamToken(page.start),
      ...(page.end === undefined ? {} : { end: formatStreamToken(page.end) }),
      state: [],
    };
  });
  clientRoute(server, 'GET', '/rooms/:roomId/state', { params: RoomParams }, async (request) =>
    read('state', { room_id: (request.params as Static<typeof RoomParams>).roomId }, authenticate(request, node.subnet).userId),
  );
  for (const path of ['/rooms/:roomId/state/:eventType', '/rooms/:roomId/state/:eventType/:stateKey']) {
    clientRoute(
      server,
      'GET',
      path,
      { params: StateParams },
      async (request) => {
        const { roomId, eventType, stateKey = '' } = request.params as Static<typeof StateParams>;
        return read('state_event', { room_id: roomId, type: eventType, state_key: stateKey }, authenticate(request, node.subnet).userId);
      },
      CONTENT_REPLY,
    );
  }
  clientRoute(server, 'GET', '/rooms/:roomId/members', { params: RoomParams }, async (request) => ({
    chunk: read('members', { room_id: (request.params as Static<typeof RoomParams>).roomId }, authenticate(request, node.subnet).userId),
  }));
  clientRoute(server, 'GET', '/rooms/:roomId/joined_members', { params: RoomParams }, async (request) =>
    read('joined_members', { room_id: (request.params as Static<typeof RoomParams>).roomId }, authenticate(request, node.subnet).userId),
  );
  clientRoute(server, 'GET', '/rooms/:roomId/event/:eventId', { params: EventParams }, async (request) => {
    const { roomId, eventId } = request.params as Static<typeof EventParams>;
    return read('event', { room_id: roomId, event_id: eventId }, authenticate(request, node.subnet).userId);
  });
}
