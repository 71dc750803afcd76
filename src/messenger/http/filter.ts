import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { ApiError, type NodeContext } from '../../node/index.ts';
import { MAX_JSON_DEPTH, nestsWithin } from '../../subnet/index.ts';
import { Filter, RoomEventFilter } from '../filter/index.ts';
import { authenticate } from './authenticate.ts';
import { runCommand, runQuery } from './commands.ts';
import { clientRoute } from './matrix-routes.ts';

const Params = Type.Object({ userId: Type.String({ maxLength: 255 }) });
const FilterParams = Type.Object({ userId: Type.String({ maxLength: 255 }), filterId: Type.String({ maxLength: 64 }) });

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

/**
 * The filter a request names: a stored filter's id or, for a parameter that starts with `{`,
 * a filter written inline. Either way it is checked against the specification's schema.
 */
export function filterOf(node: NodeContext, param: string | undefined, userId: string): Filter {
  if (param === undefined) return {};
  const inline = param.trimStart().startsWith('{');
  return checkedFilter(inline ? param : runQuery<string>(node.subnet, 'filter', { filter_id: param }, userId));
}

/**
 * A filter's text, parsed and checked. A client names the same filter in every sync, so the
 * checked filter is kept by its text (a pure function of it), frozen, since every sync shares it.
 */
function checkedFilter(text: string): Filter {
  const known = checkedFilters.get(text);
  if (known) return known;
  const definition = parseJson(text);
  if (!checkFilter.Check(definition)) throw new ApiError(400, 'M_INVALID_PARAM', `filter: ${firstError(checkFilter, definition)}`);
  if (text.length > MAX_KEPT_FILTER_LENGTH) return definition;
  if (checkedFilters.size >= KEPT_FILTERS) checkedFilters.delete(checkedFilters.keys().next().value as string);
  checkedFilters.set(text, deepFreeze(definition));
  return definition;
}

// Bounded, whatever clients send: at most 1,024 filters of up to 4,096 characters are kept.
const KEPT_FILTERS = 1024;
const MAX_KEPT_FILTER_LENGTH = 4096;
const checkedFilters = new Map<string, Filter>();

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/** The RoomEventFilter of /messages and /context, always written inline. */
export function roomEventFilterOf(param: string | undefined): RoomEventFilter | undefined {
  if (param === undefined) return undefined;
  const definition = parseJson(param);
  if (!checkRoomEventFilter.Check(definition))
    throw new ApiError(400, 'M_INVALID_PARAM', `filter: ${firstError(checkRoomEventFilter, definition)}`);
  return definition;
}

/** The sync timeline limit a filter asks for (kept within what one answer should carry). */
export function timelineLimit(filter: Filter): number {
  const limit = filter.room?.timeline?.limit;
  return limit !== undefined && limit > 0 ? Math.min(limit, 1000) : DEFAULT_TIMELINE_LIMIT;
}

const DEFAULT_TIMELINE_LIMIT = 10;
const checkFilter = Compile(Filter);
const checkRoomEventFilter = Compile(RoomEventFilter);

function parseJson(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ApiError(400, 'M_INVALID_PARAM', 'filter is neither a filter id nor a JSON filter');
  }
  // A filter in the query string never passed the body parser's bound.
  if (!nestsWithin(value, MAX_JSON_DEPTH)) {
    throw new ApiError(
      400,
      'M_INVALID_PARAM',
      `filter nests more than ${MAX_JSON_DEPTH} levels; this server accepts at most ${MAX_JSON_DEPTH}`,
    );
  }
  return value;
}

function firstError(check: { Errors(value: unknown): Iterable<{ instancePath: string; message: string }> }, value: unknown): string {
  for (const error of check.Errors(value)) return `${error.instancePath || 'the filter'} ${error.message}`;
  return 'not a filter';
}
