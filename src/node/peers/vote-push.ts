import type { CheckpointVote, Subnet } from '../../subnet/index.ts';
import type { Peer, Replicas } from './replicas.ts';

/** Where a replica takes the checkpoint votes its peers push to it. */
export const REPLICA_VOTES_PATH = '/_watan/v1/replicas/votes';
/** The most votes one push carries (the route refuses more). */
export const MAX_VOTES_PER_PUSH = 256;
/** How often the list of peers is read again from their advertisements in etcd. */
const PEERS_REFRESH_MS = 5000;
const PUSH_TIMEOUT_MS = 5000;

interface PeerQueue {
  peer: Peer;
  votes: CheckpointVote[];
  sending: boolean;
}

/**
 * Pushes this replica's checkpoint votes straight to the other replicas, as signed requests
 * (`POST /_watan/v1/replicas/votes`), beside the copy published in etcd: a peer has the vote
 * after one HTTP round trip on a kept-alive connection, instead of after an etcd write (a Raft
 * round with an fsync on each etcd member) and its watch. The etcd copy stays the durable
 * path: a replica that was down or unknown reads the votes it missed there. Nothing is trusted
 * on arrival: the receiver counts a vote only if its signature verifies and its signer is a
 * member by its own execution. One push per peer is in flight; votes made meanwhile go in the next.
 */
export class VotePush {
  private readonly replicas: Replicas;
  private readonly queues = new Map<string, PeerQueue>();
  private readonly stopListening: () => void;
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  constructor(replicas: Replicas, subnet: Subnet) {
    this.replicas = replicas;
    this.stopListening = subnet.onVote((vote) => this.push(vote));
    void this.refreshPeers();
    this.timer = setInterval(() => void this.refreshPeers(), PEERS_REFRESH_MS);
    this.timer.unref();
  }

  close(): void {
    this.closed = true;
    this.stopListening();
    clearInterval(this.timer);
  }

  private push(vote: CheckpointVote): void {
    for (const queue of this.queues.values()) {
      queue.votes.push(vote);
      // A peer that stopped answering must not hold every vote since: etcd has them.
      if (queue.votes.length > 4 * MAX_VOTES_PER_PUSH) queue.votes.splice(0, queue.votes.length - MAX_VOTES_PER_PUSH);
      void this.send(queue);
    }
  }

  private async send(queue: PeerQueue): Promise<void> {
    if (queue.sending || queue.votes.length === 0 || this.closed) return;
    queue.sending = true;
    const votes = queue.votes.splice(0, MAX_VOTES_PER_PUSH);
    try {
      const response = await fetch(`${queue.peer.url}${REPLICA_VOTES_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...this.replicas.requestHeaders(queue.peer, 'POST', REPLICA_VOTES_PATH) },
        body: JSON.stringify(votes),
        signal: AbortSignal.timeout(PUSH_TIMEOUT_MS),
      });
      await response.body?.cancel();
    } catch {
      // The peer is down or slow: it reads these votes from etcd.
    } finally {
      queue.sending = false;
    }
    void this.send(queue);
  }

  private async refreshPeers(): Promise<void> {
    let peers: Peer[];
    try {
      peers = await this.replicas.peers();
    } catch {
      return;
    }
    const current = new Set(peers.map((peer) => peer.node));
    for (const node of this.queues.keys()) if (!current.has(node)) this.queues.delete(node);
    for (const peer of peers) {
      const known = this.queues.get(peer.node);
      if (known) known.peer = peer;
      else this.queues.set(peer.node, { peer, votes: [], sending: false });
    }
  }
}
