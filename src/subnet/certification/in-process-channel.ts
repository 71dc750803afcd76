import type { CertificationChannel, CheckpointVote } from './channel.ts';

/**
 * The certification channel for replicas in one process: every vote published reaches every
 * subscriber, the publisher included, on a later turn of the event loop (as over a network,
 * never inside the publisher's own call). Each replica gets its own copy, so no listener can
 * change what another receives.
 */
export class InProcessChannel implements CertificationChannel {
  private readonly listeners = new Set<(vote: CheckpointVote) => void>();

  async publish(vote: CheckpointVote): Promise<void> {
    const text = JSON.stringify(vote);
    setImmediate(() => {
      for (const listener of this.listeners) listener(JSON.parse(text) as CheckpointVote);
    });
  }

  subscribe(listener: (vote: CheckpointVote) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
