/**
 * Who is typing where. Typing is ephemeral: it lives in this node's memory, expires on its
 * own, and never enters the log. Each change takes the next serial, which a sync token
 * carries so a client learns of changes it has not seen.
 */
export class TypingStore {
  private serial = 0;
  private readonly typing = new Map<string, Map<string, NodeJS.Timeout>>();
  private readonly lastChange = new Map<string, number>();
  private readonly listeners = new Set<(roomId: string) => void>();

  /** Calls `listener` with the room after every change; returns the unsubscribe function. */
  subscribe(listener: (roomId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get position(): number {
    return this.serial;
  }

  /** Marks `userId` as typing in `roomId` for `timeoutMs`, or as stopped. */
  set(roomId: string, userId: string, typing: boolean, timeoutMs: number): void {
    const users = this.typing.get(roomId) ?? new Map<string, NodeJS.Timeout>();
    const previous = users.get(userId);
    if (previous) clearTimeout(previous);
    if (typing) {
      const timer = setTimeout(() => this.set(roomId, userId, false, 0), timeoutMs);
      timer.unref();
      users.set(userId, timer);
    } else if (!previous) {
      return;
    } else {
      users.delete(userId);
    }
    this.typing.set(roomId, users);
    if (!typing || !previous) this.changed(roomId);
  }

  usersTyping(roomId: string): string[] {
    return [...(this.typing.get(roomId)?.keys() ?? [])].sort();
  }

  /** The rooms whose typing changed after `serial`. */
  roomsChangedSince(serial: number): string[] {
    return [...this.lastChange].filter(([, changed]) => changed > serial).map(([roomId]) => roomId);
  }

  changedSince(roomId: string, serial: number): boolean {
    return (this.lastChange.get(roomId) ?? 0) > serial;
  }

  close(): void {
    for (const users of this.typing.values()) for (const timer of users.values()) clearTimeout(timer);
    this.typing.clear();
  }

  private changed(roomId: string): void {
    this.serial += 1;
    this.lastChange.set(roomId, this.serial);
    for (const listener of this.listeners) listener(roomId);
  }
}
