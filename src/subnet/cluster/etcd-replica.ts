import { EtcdLog } from '../log/etcd-log.ts';
import type { SubnetOptions } from '../subnet.ts';
import { EtcdCertificationChannel } from './etcd-certification-channel.ts';

/**
 * What makes a replica part of a cluster: its log on etcd (mirrored locally), and its
 * checkpoint votes exchanged through the same etcd so that quorum certificates form.
 */
export function etcdReplica(
  endpoints: readonly string[],
  onUnavailable?: (error: Error, retryInMs: number) => void,
): Required<Pick<SubnetOptions, 'openLog' | 'openChannel'>> {
  return {
    openLog: (context) => EtcdLog.open({ ...context, endpoints, onUnavailable }),
    openChannel: (context) => EtcdCertificationChannel.open(endpoints, context.subnetId),
  };
}
