import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import { ApiError, type NodeContext } from '../../node/index.ts';
import { authenticate } from './authenticate.ts';
import { runCommand, runQuery } from './commands.ts';
import { clientRoute } from './matrix-routes.ts';

const Params = Type.Object({ userId: Type.String({ maxLength: 255 }) });
const FilterParams = Type.Object({ userId: Type.String({ maxLength: 255 }), filterId: Type.String({ maxLength: 64 }) });
const Filter = Type.Record(Type.String(), Type.Unknown());

/** Uploading and reading sync filters; a user manages only their own. */
export function registerFilter(server: FastifyInstance, node: NodeContext): void {
  const own = (userId: string, session: { userId: string }) => {
    if (userId !== session.userId) throw new ApiError(403, 'M_FORBIDDEN', 'you can only manage your own filters');
  };
  clientRoute(server, 'POST', '/user/:userId/filter', { params: Params, body: Filter }, async (request) => {
    const session = authenticate(request, node.subnet);
    own((request.params as Static<typeof Params>).userId, session);
    return runCommand(node.subnet, 'create_filter', { definition: JSON.stringify(request.body) }, session.userId);
  });
  clientRoute(server, 'GET', '/user/:userId/filter/:filterId', { params: FilterParams }, async (request) => {
    const session = authenticate(request, node.subnet);
    const { userId, filterId } = request.params as Static<typeof FilterParams>;
    own(userId, session);
    return JSON.parse(runQuery<string>(node.subnet, 'filter', { filter_id: filterId }, session.userId));
  });
}

/** The sync timeline limit a filter asks for: a stored filter's id or an inline JSON filter. */
export function timelineLimitOf(node: NodeContext, filter: string | undefined, userId: string): number {
  if (filter === undefined) return DEFAULT_TIMELINE_LIMIT;
  let definition: { room?: { timeline?: { limit?: unknown } } };
  try {
    definition = JSON.parse(
      filter.trimStart().startsWith('{') ? filter : runQuery<string>(node.subnet, 'filter', { filter_id: filter }, userId),
    );
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new ApiError(400, 'M_INVALID_PARAM', 'filter is neither a filter id nor a JSON filter');
  }
  const limit = definition.room?.timeline?.limit;
  return Number.isSafeInteger(limit) && (limit as number) > 0 ? Math.min(limit as number, 1000) : DEFAULT_TIMELINE_LIMIT;
}

const DEFAULT_TIMELINE_LIMIT = 10;
