import type { EphemeralStore } from './ephemeral-store.ts';
import { lookupNameOf, openWithSecret, sealWithSecret } from './secret-seal.ts';

/**
 * Short-lived values found by a secret the client holds (a user-interactive auth session id,
 * a sign-in confirmation id): stored under a hash of the secret and sealed with a key derived
 * from it, so neither etcd nor a memory dump holds the secret or the value in the clear, and
 * only a request that brings the secret can read what it names.
 */
export class SealedEntries<T> {
  private readonly store: EphemeralStore;
  private readonly kind: string;

  /** `kind` names what the entries are (`uia-session`); it separates their keys and seals from every other kind's. */
  constructor(store: EphemeralStore, kind: string) {
    if (!/^[a-z0-9-]+$/.test(kind)) throw new Error(`not an entry kind: ${kind}`);
    this.store = store;
    this.kind = kind;
  }

  async put(secret: string, value: T, ttlMs: number): Promise<void> {
    await this.store.put(this.keyOf(secret), sealWithSecret(secret, this.kind, Buffer.from(JSON.stringify(value))), ttlMs);
  }

  async get(secret: string): Promise<T | undefined> {
    return this.open(secret, await this.store.get(this.keyOf(secret)));
  }

  /** The value, removed at once: a secret meant for one use is used once, on whichever replica comes first. */
  async take(secret: string): Promise<T | undefined> {
    return this.open(secret, await this.store.take(this.keyOf(secret)));
  }

  async delete(secret: string): Promise<void> {
    await this.store.delete(this.keyOf(secret));
  }

  private keyOf(secret: string): string {
    return `${this.kind}/${lookupNameOf(secret, this.kind)}`;
  }

  private open(secret: string, sealed: Buffer | undefined): T | undefined {
    const plain = sealed && openWithSecret(secret, this.kind, sealed);
    return plain ? (JSON.parse(plain.toString('utf8')) as T) : undefined;
  }
}
