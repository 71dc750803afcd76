/**
 * What the replicas of one subnet share beside the log: short-lived state behind one load
 * balancer (in etcd on a cluster, in memory on a node alone), each other's addresses, and
 * signed requests from one replica to another.
 */
export type { EphemeralChange, EphemeralStore } from './ephemeral-store.ts';
export { MemoryEphemeralStore } from './ephemeral-store.ts';
export { checkPeerRequest, PEER_REQUEST_WINDOW_MS, peerRequestHeaders } from './peer-request.ts';
export { ClusterReplicas, type Peer, type Replicas } from './replicas.ts';
export { SealedEntries } from './sealed-entries.ts';
export { lookupNameOf, openWithSecret, sealWithSecret } from './secret-seal.ts';
