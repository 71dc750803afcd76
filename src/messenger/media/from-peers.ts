import { Readable } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import type { Replicas } from '../../node/index.ts';
import { ContentMismatchError, type MediaFiles, type StoredFile } from './file-store.ts';

/** Where a replica serves the bytes it holds to the other replicas (signed requests only). */
export const REPLICA_MEDIA_PATH = '/_watan/v1/replicas/media';

/** A slow peer is given up for the next one; generous, as media may be 100 MiB. */
const PEER_FETCH_TIMEOUT_MS = 120_000;

/**
 * Media bytes a replica lacks, fetched from the replicas that have them. The replicated state
 * holds each media id's SHA-256 and size; the bytes were uploaded to one replica only. A
 * copy is kept only if it is exactly those bytes, so a peer (or whoever answers at its
 * address) cannot make this replica serve anything else.
 */
export class MediaFromPeers {
  private readonly files: MediaFiles;
  private readonly replicas: Replicas;
  private readonly log: FastifyBaseLogger;
  /** One fetch per content at a time, however many clients ask for it at once. */
  private readonly inFlight = new Map<string, Promise<boolean>>();

  constructor(files: MediaFiles, replicas: Replicas, log: FastifyBaseLogger) {
    this.files = files;
    this.replicas = replicas;
    this.log = log;
  }

  /** True once the content is on this replica's disk, checked; false when no peer gave it. */
  fetch(expected: StoredFile): Promise<boolean> {
    let fetching = this.inFlight.get(expected.sha256);
    if (!fetching) {
      fetching = this.fetchFromAny(expected).finally(() => this.inFlight.delete(expected.sha256));
      this.inFlight.set(expected.sha256, fetching);
    }
    return fetching;
  }

  private async fetchFromAny(expected: StoredFile): Promise<boolean> {
    const path = `${REPLICA_MEDIA_PATH}/${expected.sha256}`;
    for (const peer of await this.replicas.peers()) {
      try {
        const response = await fetch(new URL(path, peer.url), {
          headers: this.replicas.requestHeaders(peer, 'GET', path),
          signal: AbortSignal.timeout(PEER_FETCH_TIMEOUT_MS),
        });
        if (response.status !== 200 || !response.body) {
          await response.body?.cancel();
          continue;
        }
        await this.files.storeExpected(Readable.fromWeb(response.body as never), expected);
        return true;
      } catch (error) {
        if (error instanceof ContentMismatchError) {
          this.log.warn(
            { peer: peer.node, sha256: expected.sha256, reason: error.message },
            'a replica served media bytes that fail their hash; refused',
          );
        } else {
          this.log.info({ peer: peer.node, reason: (error as Error).message }, 'a replica could not be asked for media');
        }
      }
    }
    return false;
  }
}
