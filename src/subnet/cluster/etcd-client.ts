import type { Etcd3, IKeyValue } from 'etcd3';

/** How long one etcd call may take before it is settled another way (measured: a new leader comes in 1–2 s). */
export const ETCD_CALL_DEADLINE_MS = 3000;
/**
 * The most one gRPC message from etcd may hold. The client's default (4 MiB) makes a watch
 * from an early revision hang silently once a batch of events is larger; etcd itself sends
 * at most its own limit per response, so this only needs to exceed a page of history.
 */
export const ETCD_RECEIVE_LIMIT_BYTES = 256 * 1024 * 1024;

/**
 * An etcd client for `host:port` endpoints. Every unary call has a deadline, so a call to a
 * member that is stopped or partitioned fails (and the client's retry moves to another
 * member) instead of hanging; watches have none, they are meant to last. The client (gRPC and
 * its protocol files) loads only when a node runs on a cluster.
 */
export async function connectEtcd(endpoints: readonly string[]): Promise<Etcd3> {
  const { Etcd3 } = await import('etcd3');
  return new Etcd3({
    hosts: endpoints.map((endpoint) => `http://${endpoint}`),
    grpcOptions: { 'grpc.max_receive_message_length': ETCD_RECEIVE_LIMIT_BYTES },
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + ETCD_CALL_DEADLINE_MS }),
    dialTimeout: ETCD_CALL_DEADLINE_MS,
  });
}

/**
 * Reads every key under `prefix` modified after `afterRevision`, in revision order, in pages
 * of `pageSize`, all at one revision (`atRevision`, or the first page's) so pages do not shift
 * under writes; returns that revision, from which a watch continues.
 */
export async function readPrefixInPages(
  client: Etcd3,
  prefix: string,
  afterRevision: number,
  pageSize: number,
  take: (kv: IKeyValue) => void,
  atRevision?: number,
): Promise<number> {
  let after = afterRevision;
  let snapshot: number | undefined = atRevision;
  for (;;) {
    const request = client
      .getAll()
      .prefix(prefix)
      .sort('Mod', 'Ascend')
      .minModRevision(after + 1)
      .limit(pageSize);
    if (snapshot !== undefined) request.revision(snapshot);
    const page = await request.exec();
    snapshot ??= Number(page.header.revision);
    for (const kv of page.kvs) take(kv);
    const last = page.kvs.at(-1);
    if (!page.more || !last) return snapshot;
    after = Number(last.mod_revision);
  }
}

/** A watch on a prefix that can always be stopped. */
export interface PrefixWatch {
  /** Resolves once etcd has confirmed the watch; rejects if etcd refused it or it was cancelled first. */
  readonly created: Promise<void>;
  /** Stops the watch, also one etcd has not yet confirmed. */
  cancel(): Promise<void>;
  /** Whether the watch's stream to etcd is up now (the client re-establishes a broken one by itself). */
  readonly connected: boolean;
}

export class WatchCancelledError extends Error {
  override name = 'WatchCancelledError';
}

/**
 * Watches `prefix` for puts after `afterRevision`. Unlike the client's `create()`, which
 * hands out the watcher only once etcd confirms it, this keeps hold of the watcher from the
 * start: a watch not yet confirmed when its owner closes (etcd slow, or the client closed
 * meanwhile) would otherwise stay attached to the client's watch manager, which retries it
 * forever on a timer that keeps the process alive.
 */
export function watchPrefix(client: Etcd3, prefix: string, afterRevision: number, onPut: (kv: IKeyValue) => void): PrefixWatch {
  const watcher = client
    .watch()
    .prefix(prefix)
    .startRevision(String(afterRevision + 1))
    .watcher();
  let settle: ((error?: Error) => void) | undefined;
  const created = new Promise<void>((resolve, reject) => {
    settle = (error) => {
      settle = undefined;
      if (error) reject(error);
      else resolve();
    };
  });
  // Nobody may be awaiting `created` when a cancelled watch rejects it.
  created.catch(() => undefined);
  let connected = false;
  watcher.on('connected', () => {
    connected = true;
    settle?.();
  });
  watcher.on('disconnected', () => {
    connected = false;
  });
  // Before confirmation an error is a refusal; after it, the client re-establishes a broken
  // watch from the last revision it saw, so there is nothing to do.
  watcher.on('error', (error: Error) => settle?.(error));
  watcher.on('put', onPut);
  let cancelled: Promise<void> | undefined;
  return {
    created,
    get connected() {
      return connected;
    },
    cancel() {
      settle?.(new WatchCancelledError('the watch was cancelled before etcd confirmed it'));
      cancelled ??= watcher.cancel().catch(() => undefined);
      return cancelled;
    },
  };
}
