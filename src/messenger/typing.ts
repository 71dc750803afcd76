import type { EphemeralChange, EphemeralStore } from '../node/index.ts';

const PREFIX = 'typing/';

/**
 * Who is typing where. Typing is ephemeral: it never enters the log. A notice goes into the
 * store the replicas share (memory on a node alone, etcd under a lease on a cluster), which
 * expires it on its own; every replica watches the store and keeps this view, so a notice
 * given on one replica wakes the syncs on all of them. A change's position is the store's
 * revision, which on a cluster is etcd's, the same on every replica: a sync token's typing
 * position means the same wherever the client syncs next.
 */
export class TypingStore {
  private serial = 0;
  private readonly typing = new Map<string, Set<string>>();
  private readonly lastChange = new Map<string, number>();
  private readonly listeners = new Set<(roomId: string) => void>();
  private readonly store: EphemeralStore;
  private readonly unwatch: () => void;

  constructor(store: EphemeralStore) {
    this.store = store;
    this.unwatch = store.watch(PREFIX, (change) => this.apply(change));
  }

  /** Calls `listener` with the room after every change; returns the unsubscribe function. */
  subscribe(listener: (roomId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get position(): number {
    return this.serial;
  }

  /** Marks `userId` as typing in `roomId` for `timeoutMs`, or as stopped. */
  async set(roomId: string, userId: string, typing: boolean, timeoutMs: number): Promise<void> {
    const key = keyOf(roomId, userId);
    if (typing) await this.store.put(key, Buffer.alloc(0), timeoutMs);
    else await this.store.delete(key);
  }

  usersTyping(roomId: string): string[] {
    return [...(this.typing.get(roomId) ?? [])].sort();
  }

  /** The rooms whose typing changed after `serial`. */
  roomsChangedSince(serial: number): string[] {
    return [...this.lastChange].filter(([, changed]) => changed > serial).map(([roomId]) => roomId);
  }

  changedSince(roomId: string, serial: number): boolean {
    return (this.lastChange.get(roomId) ?? 0) > serial;
  }

  close(): void {
    this.unwatch();
    this.typing.clear();
  }

  /** A notice renewed before it expired changes nothing anyone sees: only a start or a stop moves the position. */
  private apply(change: EphemeralChange): void {
    const parsed = parseKey(change.key);
    if (!parsed) return;
    const { roomId, userId } = parsed;
    const users = this.typing.get(roomId) ?? new Set<string>();
    const was = users.has(userId);
    const is = change.value !== undefined;
    if (was === is) return;
    if (is) users.add(userId);
    else users.delete(userId);
    if (users.size > 0) this.typing.set(roomId, users);
    else this.typing.delete(roomId);
    this.serial = Math.max(this.serial, change.revision);
    this.lastChange.set(roomId, this.serial);
    for (const listener of this.listeners) listener(roomId);
  }
}

function keyOf(roomId: string, userId: string): string {
  return `${PREFIX}${encodeURIComponent(roomId)}/${encodeURIComponent(userId)}`;
}

function parseKey(key: string): { roomId: string; userId: string } | undefined {
  const [room, user, ...rest] = key.slice(PREFIX.length).split('/');
  if (room === undefined || user === undefined || rest.length > 0) return undefined;
  try {
    return { roomId: decodeURIComponent(room), userId: decodeURIComponent(user) };
  } catch {
    return undefined;
  }
}
