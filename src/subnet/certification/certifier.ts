import type Database from 'better-sqlite3';
import type { Certificate } from '../checkpoint.ts';
import type { AppliedBlock } from '../executor.ts';
import { StateDb } from '../state-db.ts';
import type { CertificationChannel, CheckpointVote } from './channel.ts';
import { CertificateCollector, type Divergence } from './collector.ts';

export interface CertifierOptions {
  db: Database.Database;
  subnetId: string;
  /** Where votes are exchanged with the other replicas; without one, only this replica's own vote counts. */
  channel?: CertificationChannel;
  certified(certificate: Certificate): void;
  diverged(divergence: Divergence): void;
}

/**
 * One replica's side of certification: publishes its vote for every block it applies,
 * collects everyone's votes, and keeps each quorum certificate in the state database. On a
 * node alone (one member, no channel) its own vote is the quorum of one, and the certificate
 * is there as soon as the block is applied.
 */
export class Certifier {
  private readonly state: StateDb;
  private readonly collector: CertificateCollector;
  private readonly channel: CertificationChannel | undefined;
  private unsubscribe: () => void = () => undefined;
  /** The highest block with a stored certificate (-1: none). */
  private highestCertified: number;

  constructor(options: CertifierOptions) {
    this.state = new StateDb(options.db);
    this.highestCertified = this.state.latestCertificate()?.checkpoint.block ?? -1;
    this.channel = options.channel;
    this.collector = new CertificateCollector({
      subnetId: options.subnetId,
      own: (block) => {
        const own = this.state.checkpoint(block);
        const members = own && this.state.membership(own.checkpoint.membership);
        return own && members ? { checkpoint: own.checkpoint, members } : undefined;
      },
      // Certificates reach this database only through here (a snapshot is installed with it
      // closed), so a block beyond the highest stored one has none, and the block just applied
      // always is: no query for it.
      isCertified: (block) => block <= this.highestCertified && this.state.hasCertificate(block),
      certified: (certificate) => {
        this.highestCertified = Math.max(this.highestCertified, certificate.checkpoint.block);
        if (this.state.insertCertificate(certificate)) options.certified(certificate);
      },
      diverged: options.diverged,
    });
  }

  /**
   * Starts taking the other replicas' votes. A replica that opens far behind calls this once it
   * has caught up: the votes already published are read at once, and the collector drops those
   * for blocks too far beyond what the replica has applied.
   */
  listen(): void {
    this.unsubscribe();
    this.unsubscribe = this.channel?.subscribe((vote) => this.collector.add(vote)) ?? (() => undefined);
  }

  /** Votes for blocks applied before a restart, so certificates the replica had not yet formed can still be. */
  resume(fromBlock: number): void {
    for (const { checkpoint, signature } of this.state.checkpointsFrom(fromBlock)) {
      if (signature) this.vote({ checkpoint, signature });
      this.collector.applied(checkpoint.block);
    }
  }

  /** Votes for blocks just applied; call after their transaction committed. */
  applied(blocks: readonly AppliedBlock[]): void {
    this.state.db.transaction(() => {
      for (const { vote, checkpoint, checkpointHash, members } of blocks) {
        if (vote) {
          this.collector.addApplied({ vote, hash: checkpointHash, members });
          this.publish(vote);
        }
        this.collector.applied(checkpoint.block);
      }
    })();
  }

  close(): void {
    this.unsubscribe();
  }

  private vote(vote: CheckpointVote): void {
    this.collector.add(vote, true);
    this.publish(vote);
  }

  private publish(vote: CheckpointVote): void {
    this.channel?.publish(vote).catch((error: Error) => process.emitWarning(`could not publish the checkpoint vote: ${error.message}`));
  }
}
