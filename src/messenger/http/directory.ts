import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import { ApiError, type NodeContext } from '../../node/index.ts';
import { authenticate } from './authenticate.ts';
import { runCommand, runQuery } from './commands.ts';
import { clientRoute } from './matrix-routes.ts';

const AliasParams = Type.Object({ roomAlias: Type.String({ pattern: '^#[^:]+:.+$', maxLength: 255 }) });
const RoomParams = Type.Object({ roomId: Type.String({ maxLength: 255 }) });
const Visibility = Type.Object({ visibility: Type.Union([Type.Literal('public'), Type.Literal('private')]) });
const PublicQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
  since: Type.Optional(Type.String({ maxLength: 32 })),
  server: Type.Optional(Type.String()),
});
const PublicBody = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
  since: Type.Optional(Type.String({ maxLength: 32 })),
  filter: Type.Optional(Type.Object({ generic_search_term: Type.Optional(Type.String({ maxLength: 255 })) })),
});
const SearchBody = Type.Object({
  search_term: Type.String({ minLength: 1, maxLength: 255 }),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
});

/** Aliases, the public room directory and the user directory. Reading aliases and the directory needs no account. */
export function registerDirectory(server: FastifyInstance, node: NodeContext): void {
  const known = (alias: string) => {
    if (!alias.endsWith(`:${node.serverName}`))
      throw new ApiError(404, 'M_NOT_FOUND', `aliases on other servers are not known here: ${alias}`);
    return alias;
  };
  // An alias is made or removed only on the server it names.
  const own = (alias: string) => {
    if (!alias.endsWith(`:${node.serverName}`))
      throw new ApiError(400, 'M_INVALID_PARAM', `only aliases ending in :${node.serverName} can be managed here, not ${alias}`);
    return alias;
  };
  clientRoute(server, 'GET', '/directory/room/:roomAlias', { params: AliasParams }, async (request) => {
    const alias = known((request.params as Static<typeof AliasParams>).roomAlias);
    return { room_id: runQuery<string>(node.subnet, 'resolve_alias', { alias }, 'anonymous'), servers: [node.serverName] };
  });
  clientRoute(
    server,
    'PUT',
    '/directory/room/:roomAlias',
    { params: AliasParams, body: Type.Object({ room_id: Type.String({ maxLength: 255 }) }) },
    async (request) => {
      const session = authenticate(request, node.subnet);
      const alias = own((request.params as Static<typeof AliasParams>).roomAlias);
      await runCommand(node.subnet, 'create_alias', { alias, room_id: (request.body as { room_id: string }).room_id }, session.userId);
      return {};
    },
  );
  clientRoute(server, 'DELETE', '/directory/room/:roomAlias', { params: AliasParams }, async (request) => {
    const session = authenticate(request, node.subnet);
    await runCommand(node.subnet, 'delete_alias', { alias: own((request.params as Static<typeof AliasParams>).roomAlias) }, session.userId);
    return {};
  });
  clientRoute(server, 'GET', '/rooms/:roomId/aliases', { params: RoomParams }, async (request) => {
    const session = authenticate(request, node.subnet);
    return {
      aliases: runQuery(node.subnet, 'room_aliases', { room_id: (request.params as Static<typeof RoomParams>).roomId }, session.userId),
    };
  });
  clientRoute(server, 'GET', '/directory/list/room/:roomId', { params: RoomParams }, async (request) => ({
    visibility: runQuery<string>(
      node.subnet,
      'room_visibility',
      { room_id: (request.params as Static<typeof RoomParams>).roomId },
      'anonymous',
    ),
  }));
  clientRoute(server, 'PUT', '/directory/list/room/:roomId', { params: RoomParams, body: Visibility }, async (request) => {
    const session = authenticate(request, node.subnet);
    const { roomId } = request.params as Static<typeof RoomParams>;
    await runCommand(
      node.subnet,
      'set_room_visibility',
      { room_id: roomId, visibility: (request.body as Static<typeof Visibility>).visibility },
      session.userId,
    );
    return {};
  });
  const page = (limit: number | undefined, since: string | undefined, term: string) => {
    const offset = since === undefined ? 0 : Number(/^p(\d{1,9})$/.exec(since)?.[1] ?? Number.NaN);
    if (!Number.isSafeInteger(offset)) throw new ApiError(400, 'M_INVALID_PARAM', 'since is not a directory token this server issued');
    const size = limit ?? 100;
    const found = runQuery<{ chunk: unknown[]; total: number; more: boolean }>(
      node.subnet,
      'public_rooms',
      { limit: size, offset, term },
      'anonymous',
    );
    return {
      chunk: found.chunk,
      total_room_count_estimate: found.total,
      ...(found.more ? { next_batch: `p${offset + size}` } : {}),
      ...(offset > 0 ? { prev_batch: `p${Math.max(0, offset - size)}` } : {}),
    };
  };
  clientRoute(server, 'GET', '/publicRooms', { querystring: PublicQuery }, async (request) => {
    const query = request.query as Static<typeof PublicQuery>;
    return page(query.limit, query.since, '');
  });
  clientRoute(server, 'POST', '/publicRooms', { body: PublicBody }, async (request) => {
    authenticate(request, node.subnet);
    const body = request.body as Static<typeof PublicBody>;
    return page(body.limit, body.since, body.filter?.generic_search_term ?? '');
  });
  clientRoute(server, 'POST', '/user_directory/search', { body: SearchBody }, async (request) => {
    const session = authenticate(request, node.subnet);
    const body = request.body as Static<typeof SearchBody>;
    return runQuery(node.subnet, 'search_users', { term: body.search_term, limit: body.limit ?? 10 }, session.userId);
  });
}
