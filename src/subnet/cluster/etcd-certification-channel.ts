import type { Etcd3, IKeyValue } from 'etcd3';
import type { CertificationChannel, CheckpointVote } from '../certification/channel.ts';
import { connectEtcd, type PrefixWatch, readPrefixInPages, watchPrefix } from './etcd-client.ts';
import { voteKey, votesPrefix } from './etcd-keys.ts';

/** Votes read per request when a subscriber first reads what was published before it. */
const VOTE_PAGE = 1000;
/** etcd refuses a transaction of more than 128 operations (`--max-txn-ops`). */
const MAX_VOTES_PER_TRANSACTION = 128;
/** How long a vote keeps being offered to etcd (a new leader comes in 1–2 s). */
const PUBLISH_GIVE_UP_MS = 30_000;
/** How long closing waits for etcd to confirm that its watches ended before closing the client anyway. */
const CLOSE_GRACE_MS = 1000;

/**
 * Checkpoint votes exchanged through etcd: each replica puts its vote under its own key for
 * the block, and every replica watches the votes prefix. What it delivers is untrusted bytes
 * from etcd, shaped like a vote: the merger verifies every signature against the registry.
 */
export class EtcdCertificationChannel implements CertificationChannel {
  private readonly client: Etcd3;
  private readonly prefix: string;
  private readonly subnet: string;
  /** Each subscription's stop, which cancels its watch (or the read before it). */
  private readonly subscriptions = new Set<() => Promise<void>>();
  private closed = false;
  /** Votes waiting for this turn of the event loop to end, to be put together. */
  private queued: { vote: CheckpointVote; resolve(): void; reject(error: Error): void }[] = [];

  static async open(endpoints: readonly string[], subnet: string): Promise<EtcdCertificationChannel> {
    return new EtcdCertificationChannel(await connectEtcd(endpoints), subnet);
  }

  private constructor(client: Etcd3, subnet: string) {
    this.client = client;
    this.subnet = subnet;
    this.prefix = votesPrefix(subnet);
  }

  /**
   * Puts the vote, retrying (the same put: idempotent) while etcd is unreachable or electing a
   * leader, for up to PUBLISH_GIVE_UP_MS: a lost vote can leave a block without a certificate.
   * Votes made in the same turn of the event loop (a replica that applied several blocks at
   * once) go in one etcd transaction: one Raft entry and one fsync per member for all of them.
   */
  publish(vote: CheckpointVote): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queued.push({ vote, resolve, reject });
      if (this.queued.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    while (this.queued.length > 0) {
      const batch = this.queued.splice(0, MAX_VOTES_PER_TRANSACTION);
      this.putVotes(batch.map((entry) => entry.vote)).then(
        () => {
          for (const entry of batch) entry.resolve();
        },
        (error: Error) => {
          for (const entry of batch) entry.reject(error);
        },
      );
    }
  }

  private async putVotes(votes: readonly CheckpointVote[]): Promise<void> {
    const puts = votes.map((vote) =>
      this.client.put(voteKey(this.subnet, vote.checkpoint.block, vote.signature.node)).value(JSON.stringify(vote)),
    );
    const started = Date.now();
    for (let wait = 100; ; wait = Math.min(wait * 2, 2000)) {
      // A vote made while the replica closes is not lost: the next start votes again for blocks without a certificate.
      if (this.closed) return;
      try {
        if (puts.length === 1) await puts[0];
        // A transaction that holds puts alone: a key's version is never below 0, so the condition always holds.
        else
          await this.client
            .if(this.prefix, 'Version', '>', -1)
            .then(...puts)
            .commit();
        return;
      } catch (error) {
        if (this.closed) return;
        if (Date.now() - started > PUBLISH_GIVE_UP_MS) throw error;
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  /**
   * Delivers the votes already in etcd, then every vote published after, until unsubscribed.
   * While etcd cannot be read the subscription keeps trying: a replica that hears no votes
   * forms no certificates.
   */
  subscribe(listener: (vote: CheckpointVote) => void): () => void {
    let active = !this.closed;
    let watch: PrefixWatch | undefined;
    let retry: NodeJS.Timeout | undefined;
    let wake: (() => void) | undefined;
    const deliver = (kv: IKeyValue) => {
      const vote = parseVote(kv.value);
      if (active && vote) listener(vote);
    };
    const start = async () => {
      for (let wait = 250; active; wait = Math.min(wait * 2, 5000)) {
        try {
          const snapshot = await readPrefixInPages(this.client, this.prefix, 0, VOTE_PAGE, deliver);
          if (!active) return;
          watch = watchPrefix(this.client, this.prefix, snapshot, deliver);
          return;
        } catch {
          await new Promise<void>((resolve) => {
            wake = resolve;
            retry = setTimeout(resolve, wait);
          });
        }
      }
    };
    const started = start();
    const stop = async () => {
      active = false;
      this.subscriptions.delete(stop);
      clearTimeout(retry);
      wake?.();
      await started;
      await watch?.cancel();
    };
    this.subscriptions.add(stop);
    return () => void stop();
  }

  /** Stops every subscription, waits (briefly) for etcd to end their watches, then closes the client. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const stopped = Promise.all([...this.subscriptions].map((stop) => stop()));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([stopped, new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_GRACE_MS)))]);
    clearTimeout(timer);
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
