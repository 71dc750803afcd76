/** Sync and pagination filters: their definition, and what they let through. */
export { eventMatcher, type FilterableEvent, pickFields, roomAllowed } from './match.ts';
export { EventFilter, Filter, RoomEventFilter } from './schema.ts';
