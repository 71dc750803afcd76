import type { Etcd3, Lease } from 'etcd3';
import type { FastifyRequest } from 'fastify';
import { canonicalJsonBytes, connectEtcd, isMember, type Subnet, verifySignature } from '../../subnet/index.ts';
import { ApiError } from '../api-error.ts';
import type { EphemeralStore } from './ephemeral-store.ts';
import { EtcdEphemeralStore } from './etcd-ephemeral-store.ts';
import { checkPeerRequest, peerRequestHeaders } from './peer-request.ts';

/** Another replica of the subnet, where it says it answers. */
export interface Peer {
  node: string;
  url: string;
}

/**
 * What the replicas of one subnet share beside the log: short-lived state every replica
 * sees (the store), and each other's addresses for what one replica fetches from another
 * (media bytes). A node alone has none of it (NodeContext.replicas is absent).
 */
export interface Replicas {
  readonly store: EphemeralStore;
  /** The other replicas that advertise an address, each a registry member that signed its advertisement. */
  peers(): Promise<Peer[]>;
  /** Headers that sign one request of this replica to `peer`. */
  requestHeaders(peer: Peer, method: string, path: string): Record<string, string>;
  /** The node id of the replica asking, a registry member that signed this very request; ApiError otherwise. */
  askingReplica(request: FastifyRequest): string;
  /** Tells the other replicas where this one answers, for as long as it runs; never throws (it retries, telling `onFailure`). */
  advertise(url: string, onFailure?: (error: Error) => void): Promise<void>;
  close(): Promise<void>;
}

/** How long an advertisement outlives a replica that stopped without withdrawing it. */
const ADVERTISEMENT_TTL_S = 10;
const ADVERTISEMENT_RETRY_MS = 1000;
const ADVERTISEMENT_DOMAIN = 'watan/replica-address/v1\n';

interface Advertisement {
  node: string;
  url: string;
  signature: string;
}

/** The replicas of a subnet on the cluster's etcd: adverts under `/watan/SUBNET/replicas/NODE`, kept alive by a lease. */
export class ClusterReplicas implements Replicas {
  readonly store: EphemeralStore;
  private readonly client: Etcd3;
  private readonly subnet: Subnet;
  private readonly prefix: string;
  private lease: Lease | undefined;
  private closed = false;

  static async open(endpoints: readonly string[], subnet: Subnet): Promise<ClusterReplicas> {
    return new ClusterReplicas(await connectEtcd(endpoints), subnet);
  }

  private constructor(client: Etcd3, subnet: Subnet) {
    this.client = client;
    this.subnet = subnet;
    this.prefix = `/watan/${subnet.subnetId}/replicas/`;
    this.store = new EtcdEphemeralStore(client, subnet.subnetId);
  }

  async peers(): Promise<Peer[]> {
    const values = await this.client.getAll().prefix(this.prefix).strings();
    const peers: Peer[] = [];
    for (const [key, value] of Object.entries(values)) {
      const advert = parseAdvertisement(value);
      // Anyone who can write to etcd can write here: only a member's own signature names its address.
      if (!advert || key !== this.prefix + advert.node || advert.node === this.subnet.nodeKey.id) continue;
      const signed = advertisementBytes(this.subnet.subnetId, advert.node, advert.url);
      if (!verifySignature(advert.node, signed, Buffer.from(advert.signature, 'base64url'))) continue;
      if (isMember(this.subnet, advert.node)) peers.push({ node: advert.node, url: advert.url });
    }
    return peers;
  }

  requestHeaders(peer: Peer, method: string, path: string): Record<string, string> {
    return peerRequestHeaders(this.subnet.nodeKey, this.subnet.subnetId, peer.node, { method, path });
  }

  askingReplica(request: FastifyRequest): string {
    const path = request.url.split('?')[0] ?? '';
    const check = checkPeerRequest(request.headers, this.subnet.subnetId, this.subnet.nodeKey.id, { method: request.method, path });
    if ('problem' in check) throw new ApiError(401, 'M_UNAUTHORIZED', check.problem);
    if (!isMember(this.subnet, check.node))
      throw new ApiError(403, 'M_FORBIDDEN', `node ${check.node} is not a member of subnet ${this.subnet.subnetId}`);
    return check.node;
  }

  async advertise(url: string, onFailure: (error: Error) => void = () => undefined): Promise<void> {
    const key = this.subnet.nodeKey;
    const advert: Advertisement = {
      node: key.id,
      url,
      signature: key.sign(advertisementBytes(this.subnet.subnetId, key.id, url)).toString('base64url'),
    };
    const lease = this.client.lease(ADVERTISEMENT_TTL_S);
    this.lease = lease;
    // A replica that cannot advertise still serves its own clients; it tries again, and a
    // lease lost while etcd was away is replaced, so the replica is found once etcd answers.
    const again = (error: Error) => {
      if (this.closed || this.lease !== lease) return;
      onFailure(error);
      this.lease = undefined;
      void lease.revoke().catch(() => undefined);
      setTimeout(() => void this.advertise(url, onFailure), ADVERTISEMENT_RETRY_MS).unref();
    };
    lease.on('lost', again);
    await lease
      .put(this.prefix + key.id)
      .value(JSON.stringify(advert))
      .then(
        () => undefined,
        (error: Error) => again(error),
      );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.store.close();
    await this.lease?.revoke().catch(() => undefined);
    this.client.close();
  }
}

function advertisementBytes(subnet: string, node: string, url: string): Buffer {
  return Buffer.concat([Buffer.from(ADVERTISEMENT_DOMAIN, 'utf8'), canonicalJsonBytes({ subnet, node, url })]);
}

function parseAdvertisement(value: string): Advertisement | undefined {
  try {
    const advert = JSON.parse(value) as Partial<Advertisement>;
    if (typeof advert.node === 'string' && typeof advert.url === 'string' && typeof advert.signature === 'string') {
      return advert as Advertisement;
    }
  } catch {
    // not an advertisement: passed over
  }
  return undefined;
}
