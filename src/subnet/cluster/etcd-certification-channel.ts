import type { Etcd3, IKeyValue, Watcher } from 'etcd3';
import type { CertificationChannel, CheckpointVote } from '../certification/channel.ts';
import { connectEtcd, readPrefixInPages } from './etcd-client.ts';
import { voteKey, votesPrefix } from './etcd-keys.ts';

/** Votes read per request when a subscriber first reads what was published before it. */
const VOTE_PAGE = 1000;

/**
 * Checkpoint votes exchanged through etcd: each replica puts its vote under its own key for
 * the block, and every replica watches the votes prefix. What it delivers is untrusted bytes
 * from etcd, shaped like a vote: the merger verifies every signature against the registry.
 */
export class EtcdCertificationChannel implements CertificationChannel {
  private readonly client: Etcd3;
  private readonly prefix: string;
  private readonly subnet: string;
  private readonly watchers = new Set<Promise<Watcher | undefined>>();
  private closed = false;

  static async open(endpoints: readonly string[], subnet: string): Promise<EtcdCertificationChannel> {
    return new EtcdCertificationChannel(await connectEtcd(endpoints), subnet);
  }

  private constructor(client: Etcd3, subnet: string) {
    this.client = client;
    this.subnet = subnet;
    this.prefix = votesPrefix(subnet);
  }

  async publish(vote: CheckpointVote): Promise<void> {
    await this.client.put(voteKey(this.subnet, vote.checkpoint.block, vote.signature.node)).value(JSON.stringify(vote));
  }

  /** Delivers the votes already in etcd, then every vote published after, until unsubscribed. */
  subscribe(listener: (vote: CheckpointVote) => void): () => void {
    let active = true;
    const deliver = (kv: IKeyValue) => {
      const vote = parseVote(kv.value);
      if (active && vote) listener(vote);
    };
    const watcher = this.readThenWatch(deliver).catch(() => undefined);
    this.watchers.add(watcher);
    return () => {
      active = false;
      this.watchers.delete(watcher);
      void watcher.then((w) => w?.cancel()).catch(() => undefined);
    };
  }

  private async readThenWatch(deliver: (kv: IKeyValue) => void): Promise<Watcher> {
    const snapshot = await readPrefixInPages(this.client, this.prefix, 0, VOTE_PAGE, deliver);
    const watcher = await this.client
      .watch()
      .prefix(this.prefix)
      .startRevision(String(snapshot + 1))
      .create();
    watcher.on('put', deliver);
    watcher.on('error', () => undefined);
    if (this.closed) await watcher.cancel();
    return watcher;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const watcher of this.watchers) void watcher.then((w) => w?.cancel()).catch(() => undefined);
    this.watchers.clear();
    this.client.close();
  }
}

/** A value shaped like a vote, or undefined: anything can be written under the prefix. */
function parseVote(value: Buffer): CheckpointVote | undefined {
  let vote: CheckpointVote;
  try {
    vote = JSON.parse(value.toString('utf8')) as CheckpointVote;
  } catch {
    return undefined;
  }
  const { checkpoint, signature } = vote ?? {};
  if (typeof checkpoint !== 'object' || checkpoint === null || !Number.isSafeInteger(checkpoint.block)) return undefined;
  if (typeof signature?.node !== 'string' || typeof signature.signature !== 'string') return undefined;
  return vote;
}
