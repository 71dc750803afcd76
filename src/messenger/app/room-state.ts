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
    const row = currentStateEvent(this.store, this.roomId, type, stateKey);
    return row && authEventOf(row);
  }

  private all(): Map<string, AuthEvent> {
    return new Map(currentState(this.store, this.roomId).map((row) => [stateMapKey(row.type, row.state_key ?? ''), authEventOf(row)]));
  }
}
