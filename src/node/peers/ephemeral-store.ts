/** A change under a watched prefix: the new value, or undefined when the entry went (deleted or expired). */
export interface EphemeralChange {
  key: string;
  value: Buffer | undefined;
  /** Grows with every change; on a cluster it is etcd's revision, the same number on every replica. */
  revision: number;
}

/**
 * Short-lived state that every replica behind one load balancer must see (typing, open
 * user-interactive auth sessions, sign-ins waiting for confirmation). Each entry expires on
 * its own. A node alone keeps it in memory; a cluster keeps it in etcd under leases
 * (EtcdEphemeralStore). Nothing here is durable: a lost entry costs a person a retry.
 */
export interface EphemeralStore {
  put(key: string, value: Buffer, ttlMs: number): Promise<void>;
  get(key: string): Promise<Buffer | undefined>;
  /** Reads and removes in one step: of two replicas taking one key, only one gets it. */
  take(key: string): Promise<Buffer | undefined>;
  delete(key: string): Promise<void>;
  /** Calls `listener` with every entry under `prefix` now, then with every change; returns the unsubscribe function. */
  watch(prefix: string, listener: (change: EphemeralChange) => void): () => void;
  close(): Promise<void>;
}

/** Bound on entries, so a flood of started sessions cannot exhaust a node's memory; the oldest go first. */
const MAX_ENTRIES = 100_000;

/** The store of a node alone: memory, with a timer per entry. */
export class MemoryEphemeralStore implements EphemeralStore {
  private readonly entries = new Map<string, { value: Buffer; timer: NodeJS.Timeout }>();
  private readonly listeners = new Set<{ prefix: string; listener: (change: EphemeralChange) => void }>();
  private revision = 0;

  async put(key: string, value: Buffer, ttlMs: number): Promise<void> {
    this.remove(key, false);
    const timer = setTimeout(() => this.remove(key, true), ttlMs);
    timer.unref();
    this.entries.set(key, { value, timer });
    while (this.entries.size > MAX_ENTRIES) this.remove(this.entries.keys().next().value as string, true);
    this.changed(key, value);
  }

  async get(key: string): Promise<Buffer | undefined> {
    return this.entries.get(key)?.value;
  }

  async take(key: string): Promise<Buffer | undefined> {
    const value = this.entries.get(key)?.value;
    this.remove(key, true);
    return value;
  }

  async delete(key: string): Promise<void> {
    this.remove(key, true);
  }

  watch(prefix: string, listener: (change: EphemeralChange) => void): () => void {
    for (const [key, { value }] of this.entries) if (key.startsWith(prefix)) listener({ key, value, revision: this.revision });
    const subscription = { prefix, listener };
    this.listeners.add(subscription);
    return () => this.listeners.delete(subscription);
  }

  async close(): Promise<void> {
    for (const { timer } of this.entries.values()) clearTimeout(timer);
    this.entries.clear();
    this.listeners.clear();
  }

  private remove(key: string, announce: boolean): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.entries.delete(key);
    if (announce) this.changed(key, undefined);
  }

  private changed(key: string, value: Buffer | undefined): void {
    this.revision += 1;
    for (const { prefix, listener } of this.listeners) if (key.startsWith(prefix)) listener({ key, value, revision: this.revision });
  }
}
