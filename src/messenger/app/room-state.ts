import type { AppStore } from '../../subnet/index.ts';
import type { Pdu } from '../events/index.ts';
import { type AuthEvent, type RoomState, stateMapKey } from '../rooms/index.ts';
import type { EventRow } from './room-tables.ts';

/** An event as the authorisation rules read it. */
export function authEventOf(row: EventRow): AuthEvent {
  const pdu = JSON.parse(row.pdu) as Pdu;
  return { ...pdu, event_id: row.event_id };
}

/** The event that is the room's current state for (type, state key), if any. */
export function currentStateEvent(store: AppStore, roomId: string, type: string, stateKey: string): EventRow | undefined {
  return store.selectOne<EventRow>(
    'SELECT e.* FROM {room_state} s JOIN {events} e ON e.event_id = s.event_id WHERE s.room_id = ? AND s.type = ? AND s.state_key = ?',
    roomId,
    type,
    stateKey,
  );
}

/** Every event of the room's current state, by type and state key. */
export function currentState(store: AppStore, roomId: string): EventRow[] {
  return store.select<EventRow>(
    'SELECT e.* FROM {room_state} s JOIN {events} e ON e.event_id = s.event_id WHERE s.room_id = ? ORDER BY s.type, s.state_key',
    roomId,
  );
}

/**
 * A room's current state, read from the store one entry at a time as the rules ask for it.
 * The rules only look entries up by key, so a room of any size costs a handful of reads.
 */
export class StoredRoomState implements RoomState {
  private readonly store: AppStore;
  private readonly roomId: string;
  private readonly cache = new Map<string, AuthEvent | undefined>();

  constructor(store: AppStore, roomId: string) {
    this.store = store;
    this.roomId = roomId;
  }

  get(key: string): AuthEvent | undefined {
    if (!this.cache.has(key)) {
      const [type, stateKey] = key.split('\u0000') as [string, string];
      this.cache.set(key, this.read(type, stateKey));
    }
    return this.cache.get(key);
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  get size(): number {
    return this.all().size;
  }

  forEach(callback: (value: AuthEvent, key: string, map: ReadonlyMap<string, AuthEvent>) => void): void {
    this.all().forEach(callback);
  }

  entries(): MapIterator<[string, AuthEvent]> {
    return this.all().entries();
  }

  keys(): MapIterator<string> {
    return this.all().keys();
  }

  values(): MapIterator<AuthEvent> {
    return this.all().values();
  }

  [Symbol.iterator](): MapIterator<[string, AuthEvent]> {
    return this.all()[Symbol.iterator]();
  }

  private read(type: string, stateKey: string): AuthEvent | undefined {
    const slot = this.store.get<{ event_id: string }>('room_state', { room_id: this.roomId, type, state_key: stateKey });
    return slot && parsedEvent(this.store, slot.event_id);
  }

  private all(): Map<string, AuthEvent> {
    return new Map(currentState(this.store, this.roomId).map((row) => [stateMapKey(row.type, row.state_key ?? ''), authEventOf(row)]));
  }
}

/**
 * State events as the rules read them, parsed once per store. An event's id is the hash of its
 * content, so what is stored under an id changes only when a redaction rewrites it: every
 * redaction applied (even one rolled back after) drops them all. It is a cache of a function of
 * the state, the same on every replica, so commands may use it.
 */
const parsedEvents = new WeakMap<AppStore, { redactions: number; events: Map<string, AuthEvent> }>();
let redactionsApplied = 0;
const MAX_PARSED_EVENTS = 50_000;

/** Called as a redaction rewrites a stored event. */
export function forgetParsedEvents(): void {
  redactionsApplied += 1;
}

function parsedEvent(store: AppStore, eventId: string): AuthEvent | undefined {
  let kept = parsedEvents.get(store);
  if (!kept || kept.redactions !== redactionsApplied) {
    kept = { redactions: redactionsApplied, events: new Map() };
    parsedEvents.set(store, kept);
  }
  const known = kept.events.get(eventId);
  if (known) return known;
  const row = store.get<EventRow>('events', eventId);
  if (!row) return undefined;
  const event = Object.freeze(authEventOf(row));
  if (kept.events.size >= MAX_PARSED_EVENTS) kept.events.clear();
  kept.events.set(eventId, event);
  return event;
}
