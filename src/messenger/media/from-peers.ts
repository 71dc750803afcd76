import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { NodeContext } from '../../node/index.ts';
import { checkSnapshotRequest, snapshotRequestHeaders } from '../../subnet/index.ts';
import type { MediaFiles } from './file-store.ts';

/** How long one peer gets to send a file before the next is asked. */
const PEER_TIMEOUT_MS = 60_000;

/**
 * Media on a cluster: a file's metadata (its SHA-256 among it) is replicated through the log,
 * its bytes stay on the replica that took the upload. A replica asked for bytes it lacks
 * fetches them from its peers and keeps them only if they hash to the content hash the log
 * holds — a peer cannot make it serve other bytes. True when the file is now here.
 */
export async function fetchFromPeers(node: NodeContext, files: MediaFiles, sha256: string, size: number): Promise<boolean> {
  for (const peer of (await node.peers?.().catch(() => [])) ?? []) {
    try {
      const response = await fetch(`${peer}/_watan/v1/media/${sha256}`, {
        headers: snapshotRequestHeaders(node.subnet.nodeKey, node.subnet.subnetId),
        signal: AbortSignal.timeout(PEER_TIMEOUT_MS),
      });
      if (!response.ok || !response.body) {
        await response.body?.cancel();
        continue;
      }
      await files.store(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), size, sha256);
      return true;
    } catch {
      // Unreachable, too slow, or other bytes: the next peer.
    }
  }
  return false;
}

/**
 * Whether a request for stored bytes comes from a member replica of this subnet (signed with
 * its node key, as for snapshots): media bytes go to peers only, clients fetch through the
 * authenticated Matrix endpoints.
 */
export function peerOf(node: NodeContext, headers: Record<string, string | string[] | undefined>): { node: string } | { problem: string } {
  const check = checkSnapshotRequest(headers, node.subnet.subnetId);
  if ('problem' in check) return check;
  const members = node.subnet.query('registry', 'members', {}, 'media') as string[];
  return members.includes(check.node) ? check : { problem: `node ${check.node} is not a member of this subnet` };
}
