import type { AppDefinition } from '../app.ts';
import { EtcdLog } from '../log/etcd-log.ts';
import type { SigningKey } from '../node-key.ts';
import type { SubnetOptions } from '../subnet.ts';
import { EtcdCertificationChannel } from './etcd-certification-channel.ts';
import { snapshotFromPeer } from './snapshot-from-peer.ts';

export interface EtcdReplicaOptions {
  /** The governance keys the replica trusts (its genesis'): a snapshot from a peer must be attested by them. */
  governanceKeys: readonly string[];
  /** Told each time etcd cannot be reached while opening. */
  onUnavailable?: (error: Error, retryInMs: number) => void;
  /** Certified blocks kept in etcd (DEFAULT_KEEP_CERTIFIED_BLOCKS by default). */
  keepCertifiedBlocks?: number;
}

/**
 * What makes a replica part of a cluster: its log on etcd (mirrored locally), its checkpoint
 * votes exchanged through the same etcd so that quorum certificates form, and state sync from
 * a peer when the blocks it needs were pruned.
 */
export function etcdReplica(
  endpoints: readonly string[],
  options: EtcdReplicaOptions,
): Required<Pick<SubnetOptions, 'openLog' | 'openChannel' | 'fetchSnapshot'>> {
  return {
    openLog: (context) =>
      EtcdLog.open({ ...context, endpoints, onUnavailable: options.onUnavailable, keepCertifiedBlocks: options.keepCertifiedBlocks }),
    openChannel: (context) => EtcdCertificationChannel.open(endpoints, context.subnetId),
    fetchSnapshot: (context: { subnetId: string; nodeKey: SigningKey; apps: readonly AppDefinition[] }) =>
      snapshotFromPeer({
        endpoints,
        subnetId: context.subnetId,
        nodeKey: context.nodeKey,
        apps: context.apps,
        governanceKeys: options.governanceKeys,
      }),
  };
}
