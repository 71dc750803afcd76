import type { Etcd3, IKeyValue, Watcher } from 'etcd3';
import { readPrefixInPages } from '../../subnet/index.ts';
import type { EphemeralChange, EphemeralStore } from './ephemeral-store.ts';

/** Entries read per request when a watcher first reads what is there. */
const PAGE = 1000;

/**
 * The replicas' shared short-lived state in the cluster's etcd, under
 * `/watan/SUBNET/ephemeral/`: every entry under a lease of its lifetime, so etcd deletes it
 * (and tells every watcher) when it expires, whether or not the replica that wrote it lives.
 * etcd counts a lease in whole seconds, and at least its own minimum (about 2 s).
 */
export class EtcdEphemeralStore implements EphemeralStore {
  private readonly client: Etcd3;
  private readonly root: string;
  private readonly watchers = new Set<Promise<Watcher | undefined>>();
  private closed = false;

  /** The client stays its owner's to close. */
  constructor(client: Etcd3, subnet: string) {
    this.client = client;
    this.root = `/watan/${subnet}/ephemeral/`;
  }

  async put(key: string, value: Buffer, ttlMs: number): Promise<void> {
    const lease = this.client.lease(Math.max(1, Math.ceil(ttlMs / 1000)), { autoKeepAlive: false });
    try {
      await lease.put(this.root + key).value(value);
    } finally {
      lease.release();
    }
  }

  async get(key: string): Promise<Buffer | undefined> {
    return (await this.client.get(this.root + key).buffer()) ?? undefined;
  }

  async take(key: string): Promise<Buffer | undefined> {
    const previous = await this.client
      .delete()
      .key(this.root + key)
      .getPrevious();
    return previous[0]?.value;
  }

  async delete(key: string): Promise<void> {
    await this.client.delete().key(this.root + key);
  }

  watch(prefix: string, listener: (change: EphemeralChange) => void): () => void {
    let active = true;
    const deliver = (kv: IKeyValue, value: Buffer | undefined) => {
      if (active) listener({ key: kv.key.toString('utf8').slice(this.root.length), value, revision: Number(kv.mod_revision) });
    };
    const watcher = this.readThenWatch(this.root + prefix, deliver).catch(() => undefined);
    this.watchers.add(watcher);
    return () => {
      active = false;
      this.watchers.delete(watcher);
      void watcher.then((w) => w?.cancel()).catch(() => undefined);
    };
  }

  private async readThenWatch(prefix: string, deliver: (kv: IKeyValue, value: Buffer | undefined) => void): Promise<Watcher> {
    const snapshot = await readPrefixInPages(this.client, prefix, 0, PAGE, (kv) => deliver(kv, kv.value));
    const watcher = await this.client
      .watch()
      .prefix(prefix)
      .startRevision(String(snapshot + 1))
      .create();
    watcher.on('put', (kv) => deliver(kv, kv.value));
    // A deleted or expired key's event carries the revision of its deletion.
    watcher.on('delete', (kv) => deliver(kv, undefined));
    watcher.on('error', () => undefined);
    if (this.closed) await watcher.cancel();
    return watcher;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.watchers].map((watcher) => watcher.then((w) => w?.cancel()).catch(() => undefined)));
    this.watchers.clear();
  }
}
