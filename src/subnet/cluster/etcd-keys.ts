/**
 * Where a subnet keeps things in etcd. Every replica writes its blocks under its own prefix,
 * so appends never contend on a shared key; etcd's revision order across all of them is the
 * subnet's total order.
 */
export function blocksPrefix(subnet: string): string {
  return `/watan/${subnet}/blocks/`;
}

export function blockKey(subnet: string, proposer: string, sequence: number): string {
  return `${blocksPrefix(subnet)}${proposer}/${String(sequence).padStart(16, '0')}`;
}

/** The proposer and sequence a block key names, or undefined for a key no replica would write. */
export function parseBlockKey(subnet: string, key: string): { proposer: string; sequence: number } | undefined {
  const prefix = blocksPrefix(subnet);
  if (!key.startsWith(prefix)) return undefined;
  const match = /^([A-Za-z0-9_-]{43})\/(\d{16})$/.exec(key.slice(prefix.length));
  if (!match) return undefined;
  return { proposer: match[1] as string, sequence: Number(match[2]) };
}

export function votesPrefix(subnet: string): string {
  return `/watan/${subnet}/votes/`;
}

export function voteKey(subnet: string, block: number, node: string): string {
  return `${votesPrefix(subnet)}${String(block).padStart(16, '0')}/${node}`;
}

/** Each replica's record of the blocks it deleted from etcd (see EtcdLog's pruning). */
export function prunedPrefix(subnet: string): string {
  return `/watan/${subnet}/pruned/`;
}

export function prunedKey(subnet: string, node: string): string {
  return `${prunedPrefix(subnet)}${node}`;
}

/** Where each replica says at which URL its peers can reach it (for state sync). */
export function replicasPrefix(subnet: string): string {
  return `/watan/${subnet}/replicas/`;
}

export function replicaKey(subnet: string, node: string): string {
  return `${replicasPrefix(subnet)}${node}`;
}
