import type { Adapter, AdapterPayload } from 'oidc-provider';

/**
 * oidc-provider's storage for sessions, interactions, codes and grants, in this process's
 * memory: a development provider forgets sign-ins when it stops, which is what it should do.
 * Expired entries are dropped when read and swept as new ones arrive.
 */
export class MemoryAdapter implements Adapter {
  private static readonly entries = new Map<string, { payload: AdapterPayload; expires: number }>();
  private readonly model: string;

  constructor(model: string) {
    this.model = model;
  }

  private key(id: string): string {
    return `${this.model}:${id}`;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    MemoryAdapter.sweep();
    MemoryAdapter.entries.set(this.key(id), { payload, expires: Date.now() + expiresIn * 1000 });
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return MemoryAdapter.live(this.key(id));
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.findWhere((payload) => payload.userCode === userCode);
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.findWhere((payload) => payload.uid === uid);
  }

  async consume(id: string): Promise<void> {
    const entry = MemoryAdapter.entries.get(this.key(id));
    if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    MemoryAdapter.entries.delete(this.key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    for (const [key, entry] of MemoryAdapter.entries) if (entry.payload.grantId === grantId) MemoryAdapter.entries.delete(key);
  }

  private findWhere(test: (payload: AdapterPayload) => boolean): AdapterPayload | undefined {
    const prefix = `${this.model}:`;
    for (const [key, entry] of MemoryAdapter.entries) {
      if (key.startsWith(prefix) && test(entry.payload)) return MemoryAdapter.live(key);
    }
    return undefined;
  }

  private static live(key: string): AdapterPayload | undefined {
    const entry = MemoryAdapter.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= Date.now()) {
      MemoryAdapter.entries.delete(key);
      return undefined;
    }
    return entry.payload;
  }

  private static sweep(): void {
    const now = Date.now();
    for (const [key, entry] of MemoryAdapter.entries) if (entry.expires <= now) MemoryAdapter.entries.delete(key);
  }
}
