import { globMatches, parsePropertyPath, propertyAt } from '../events/index.ts';
import type { EventFilter, RoomEventFilter } from './schema.ts';

/** What a filter looks at in an event: any client event, ephemeral or account data has these. */
export interface FilterableEvent {
  type: string;
  sender?: string;
  room_id?: string;
  content?: unknown;
}

/**
 * A predicate for an event filter. Types match with `*` as a wildcard for any run of
 * characters; an exclusion always wins over an inclusion; an absent list allows everything
 * and an empty one allows nothing.
 */
export function eventMatcher(filter: EventFilter | RoomEventFilter | undefined): (event: FilterableEvent) => boolean {
  if (!filter) return allowAll;
  const room = filter as RoomEventFilter;
  const types = filter.types?.map(wildcard);
  const notTypes = nonEmpty(filter.not_types)?.map(wildcard);
  const senders = filter.senders ? new Set(filter.senders) : undefined;
  const notSenders = nonEmpty(filter.not_senders) && new Set(filter.not_senders);
  const rooms = room.rooms ? new Set(room.rooms) : undefined;
  const notRooms = nonEmpty(room.not_rooms) && new Set(room.not_rooms);
  const containsUrl = room.contains_url;
  // Most filters only bound a timeline's length: every sync of theirs shares one predicate.
  if (!types && !notTypes && !senders && !notSenders && !rooms && !notRooms && containsUrl === undefined) return allowAll;
  return (event) => {
    if (notTypes?.some((pattern) => pattern.test(event.type))) return false;
    if (types && !types.some((pattern) => pattern.test(event.type))) return false;
    if (event.sender !== undefined && notSenders?.has(event.sender)) return false;
    if (senders && (event.sender === undefined || !senders.has(event.sender))) return false;
    if (event.room_id !== undefined && notRooms?.has(event.room_id)) return false;
    if (rooms && event.room_id !== undefined && !rooms.has(event.room_id)) return false;
    if (containsUrl !== undefined && hasUrl(event) !== containsUrl) return false;
    return true;
  };
}

const allowAll = (_event: FilterableEvent): boolean => true;

function nonEmpty<T>(list: readonly T[] | undefined): readonly T[] | undefined {
  return list && list.length > 0 ? list : undefined;
}

/** Whether a room passes a list of rooms to include and one to exclude. */
export function roomAllowed(roomId: string, filter: { rooms?: string[]; not_rooms?: string[] } | undefined): boolean {
  if (filter?.not_rooms?.includes(roomId)) return false;
  return filter?.rooms === undefined || filter.rooms.includes(roomId);
}

/**
 * Keeps only the listed fields of an event (`event_fields`): dotted paths into the event,
 * as the appendix spells them. Without a list the event is returned whole.
 */
export function pickFields<T extends object>(event: T, fields: readonly string[] | undefined): Partial<T> {
  if (!fields) return event;
  const picked: Record<string, unknown> = {};
  for (const field of fields) {
    const path = parsePropertyPath(field);
    const source = propertyAt(event, path);
    if (source === undefined) continue;
    let target = picked;
    for (const key of path.slice(0, -1)) {
      if (!isObject(target[key])) target[key] = {};
      target = target[key] as Record<string, unknown>;
    }
    target[path[path.length - 1] as string] = source;
  }
  return picked as Partial<T>;
}

/** A filter's type pattern: `*` is the only wildcard, and case matters. */
/** Filters' globs: `?` is itself, and case matters. */
const FILTER_GLOB = { questionMark: false, ignoreCase: false };

function wildcard(pattern: string): { test(type: string): boolean } {
  return { test: (type) => globMatches(pattern, type, FILTER_GLOB) };
}

function hasUrl(event: FilterableEvent): boolean {
  return isObject(event.content) && typeof event.content.url === 'string';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
