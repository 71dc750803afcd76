import type { AppDefinition } from '../app.ts';
import type { Certificate } from '../checkpoint.ts';
import type { SigningKey } from '../node-key.ts';
import { snapshotRequestHeaders, type VerifiedSnapshot, verifySnapshot } from '../state-sync.ts';
import { verifySubnet } from '../verifier.ts';
import { connectEtcd } from './etcd-client.ts';
import { replicaKey, replicasPrefix } from './etcd-keys.ts';

export interface SnapshotFromPeerOptions {
  endpoints: readonly string[];
  subnetId: string;
  nodeKey: SigningKey;
  apps: readonly AppDefinition[];
  /** The governance keys this replica trusts (its genesis): the snapshot's registry must be attested by them. */
  governanceKeys: readonly string[];
  /** How long to keep asking peers before giving up. */
  timeoutMs?: number;
}

export class StateSyncError extends Error {
  override name = 'StateSyncError';
}

/** How long a peer's snapshot block gets to be certified by a quorum. */
const CERTIFICATE_WAIT_MS = 30_000;
const TRANSFER_TIMEOUT_MS = 120_000;

/**
 * Fetches the state of a peer listed in etcd at the block it has applied, waits for that
 * block's quorum certificate, and verifies both: the image's digest, position and
 * membership are the certified ones, more than two thirds of the members signed, and every
 * member is attested by the governance keys this replica trusts. A peer is only a source of
 * bytes: one that serves something else is passed over for the next.
 */
export async function snapshotFromPeer(options: SnapshotFromPeerOptions): Promise<VerifiedSnapshot> {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  const problems = new Map<string, string>();
  for (;;) {
    for (const peer of await replicaUrls(options.endpoints, options.subnetId, options.nodeKey.id)) {
      try {
        return await fetchVerified(peer, options);
      } catch (error) {
        problems.set(peer, (error as Error).message);
      }
    }
    if (Date.now() > deadline) {
      const said = [...problems].map(([peer, problem]) => `${peer}: ${problem}`).join('; ');
      throw new StateSyncError(`no peer served a snapshot this replica could verify (${said || 'no peer has announced a URL in etcd'})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** The URLs the subnet's other replicas announced in etcd (none when etcd cannot be read). */
export async function replicaUrls(endpoints: readonly string[], subnetId: string, self: string): Promise<string[]> {
  const client = await connectEtcd(endpoints);
  try {
    const announced = await client.getAll().prefix(replicasPrefix(subnetId)).strings();
    const own = replicaKey(subnetId, self);
    return Object.entries(announced)
      .filter(([key]) => key !== own)
      .map(([, value]) => advertisedUrl(value))
      .filter((url): url is string => url !== undefined);
  } catch {
    return [];
  } finally {
    client.close();
  }
}

/**
 * The URL in a replica's advertisement (src/node/peers: signed JSON kept under a lease). A peer
 * is only a source of bytes here — the snapshot is checked against the quorum certificate —
 * so the advertisement's signature is not needed to try it.
 */
function advertisedUrl(value: string): string | undefined {
  try {
    const { url } = JSON.parse(value) as { url?: unknown };
    return typeof url === 'string' ? url : undefined;
  } catch {
    return undefined;
  }
}

async function fetchVerified(url: string, options: SnapshotFromPeerOptions): Promise<VerifiedSnapshot> {
  const response = await fetch(`${url}/_watan/v1/snapshot`, {
    headers: snapshotRequestHeaders(options.nodeKey, options.subnetId),
    signal: AbortSignal.timeout(TRANSFER_TIMEOUT_MS),
  });
  if (!response.ok) throw new StateSyncError(`the snapshot request answered ${response.status}: ${await response.text()}`);
  const block = Number(response.headers.get('x-watan-block'));
  const revision = Number(response.headers.get('x-watan-revision'));
  if (!Number.isSafeInteger(block) || !Number.isSafeInteger(revision) || revision <= 0) {
    throw new StateSyncError('the snapshot names no block and etcd revision (x-watan-block, x-watan-revision)');
  }
  const image = Buffer.from(await response.arrayBuffer());
  const certificate = await certificateOf(url, block);
  const check = verifySnapshot(image, certificate, options.subnetId, options.apps);
  if (!check.ok || !check.registry)
    throw new StateSyncError(`the snapshot of block ${block} does not verify: ${check.problems.join('; ')}`);
  const trust = verifySubnet({
    certificate: { ...certificate, members: check.members },
    registry: check.registry,
    pinnedGovernanceKeys: options.governanceKeys,
    expectedSubnet: options.subnetId,
  });
  if (!trust.ok)
    throw new StateSyncError(`the snapshot's registry is not attested by this subnet's governance: ${trust.failed.join('; ')}`);
  return { image, certificate: { ...certificate, members: check.members }, revision, members: check.members };
}

/** The quorum certificate of `block` from the peer, once a quorum has signed it. */
async function certificateOf(url: string, block: number): Promise<Certificate> {
  const deadline = Date.now() + CERTIFICATE_WAIT_MS;
  for (;;) {
    const response = await fetch(`${url}/_watan/v1/checkpoint?block=${block}`, { signal: AbortSignal.timeout(10_000) });
    if (response.ok) return (await response.json()) as Certificate;
    await response.body?.cancel();
    if (Date.now() > deadline)
      throw new StateSyncError(`block ${block} was not certified by a quorum within ${CERTIFICATE_WAIT_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
