import type { ServerResponse } from 'node:http';
import type { NodeContext } from '../../node/index.ts';
import { runQuery } from '../http/commands.ts';
import type { PresenceStore } from '../presence.ts';
import type { TypingStore } from '../typing.ts';
import { type ReadersFirst, readersFirstOf } from './readers-first.ts';
import { presenceStream, type StreamChanges, typingStream } from './streams/index.ts';

/** Presence changes of more users at once than this wake every waiting sync rather than look up each one's rooms. */
const PRESENCE_WAKE_LOOKUPS = 50;

interface Waiter {
  userId: string;
  rooms: readonly string[];
  wake(): void;
}

const notifiers = new WeakMap<object, Notifier>();

/** How many syncs wait on this replica (its subnet) for something to happen. */
export function waitingSyncs(subnet: object): number {
  return notifiers.get(subnet)?.waiting ?? 0;
}

/**
 * Wakes waiting syncs when a stream moves past them for something that concerns them. It
 * follows the streams' own positions — the log's streams after each applied block, typing and
 * presence after each change in this node's memory — and asks each stream what changed in
 * between; nothing in a command's result says whom to wake. The woken are answered through the
 * replica's readers-first gate (readers-first.ts): in bounded turns, before more writes are taken.
 */
export class Notifier {
  private readonly node: NodeContext;
  private readonly gate: ReadersFirst;
  private readonly waiters = new Set<Waiter>();
  // The waiters by the rooms and users that wake them, so a change looks only at those it concerns.
  private readonly byRoom = new Map<string, Set<Waiter>>();
  private readonly byUser = new Map<string, Set<Waiter>>();
  private readonly unsubscribe: (() => void)[];
  private statePosition: number;
  private typingPosition: number;
  private presencePosition: number;

  constructor(node: NodeContext, typing: TypingStore, presence: PresenceStore) {
    this.node = node;
    this.gate = readersFirstOf(node.subnet);
    notifiers.set(node.subnet, this);
    this.statePosition = this.stateChanges(Number.MAX_SAFE_INTEGER).position;
    this.typingPosition = typingStream.position(typing);
    this.presencePosition = presenceStream.position(presence);
    this.unsubscribe = [
      node.subnet.onApplied(() => {
        const changes = this.stateChanges(this.statePosition);
        this.statePosition = changes.position;
        this.wakeConcerned(changes);
      }),
      typing.subscribe(() => {
        const to = typingStream.position(typing);
        const changes = typingStream.changes(typing, this.typingPosition, to);
        this.typingPosition = to;
        this.wakeConcerned(changes);
      }),
      // Only real transitions reach here (coming online, going offline, a new status), never a sync that keeps someone online.
      presence.subscribe(() => {
        const to = presenceStream.position(presence);
        const { users } = presenceStream.changes(presence, this.presencePosition, to);
        this.presencePosition = to;
        if (this.waiters.size === 0) return;
        if (users.length > PRESENCE_WAKE_LOOKUPS) return this.wakeAll();
        const rooms = users.flatMap((userId) => runQuery<string[]>(node.subnet, 'sync_rooms_of', {}, userId));
        this.wakeConcerned({ rooms, users });
      }),
    ];
  }

  get waiting(): number {
    return this.waiters.size;
  }

  /** Waits until something concerning the user or their rooms happens, the client goes, or time is up. */
  wait(userId: string, rooms: readonly string[], timeoutMs: number, connection: ServerResponse): Promise<void> {
    return new Promise((resolve) => {
      const waiter: Waiter = {
        userId,
        rooms,
        wake: () => {
          clearTimeout(timer);
          this.forget(waiter);
          connection.off('close', waiter.wake);
          resolve();
        },
      };
      const timer = setTimeout(waiter.wake, Math.max(0, timeoutMs));
      connection.once('close', waiter.wake);
      this.waiters.add(waiter);
      indexUnder(this.byUser, userId, waiter);
      for (const room of rooms) indexUnder(this.byRoom, room, waiter);
    });
  }

  /** Stops following the streams and answers every waiting sync. */
  close(): void {
    for (const stop of this.unsubscribe) stop();
    this.gate.flush();
    this.wakeAll();
  }

  private stateChanges(after: number): StreamChanges & { position: number } {
    return runQuery(this.node.subnet, 'stream_changes', { after }, 'ingress');
  }

  private wakeConcerned(changes: StreamChanges): void {
    if (this.waiters.size === 0 || changes.rooms.length + changes.users.length === 0) return;
    const woken = new Set<Waiter>();
    for (const room of changes.rooms) for (const waiter of this.byRoom.get(room) ?? []) woken.add(waiter);
    for (const user of changes.users) for (const waiter of this.byUser.get(user) ?? []) woken.add(waiter);
    // Taken out of the index now, so that a change before its turn comes does not queue it twice.
    for (const waiter of woken) this.forget(waiter);
    this.gate.wake([...woken].map((waiter) => waiter.wake));
  }

  private forget(waiter: Waiter): void {
    this.waiters.delete(waiter);
    unindex(this.byUser, waiter.userId, waiter);
    for (const room of waiter.rooms) unindex(this.byRoom, room, waiter);
  }

  private wakeAll(): void {
    for (const waiter of [...this.waiters]) waiter.wake();
  }
}

function indexUnder(index: Map<string, Set<Waiter>>, key: string, waiter: Waiter): void {
  const waiters = index.get(key) ?? new Set<Waiter>();
  waiters.add(waiter);
  index.set(key, waiters);
}

function unindex(index: Map<string, Set<Waiter>>, key: string, waiter: Waiter): void {
  const waiters = index.get(key);
  waiters?.delete(waiter);
  if (waiters?.size === 0) index.delete(key);
}
