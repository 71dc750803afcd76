import { type Approval, admissionBytes, approve, type NodeRecord, type RegistryView } from './apps/registry.ts';
import { canonicalJsonBytes } from './canonical-json.ts';
import { sha256, toHex } from './hashing.ts';
import type { SigningKey } from './node-key.ts';
import type { Subnet } from './subnet.ts';

/**
 * How a subnet begins: its identity, jurisdiction and governance, and its first nodes with
 * the governance approvals that admit them. Governance key holders make and sign it offline
 * (`watan genesis`); every first node starts from the same file. It holds no secret.
 */
export interface Genesis {
  subnet: string;
  jurisdiction: string;
  threshold: number;
  governanceKeys: { key: string; label: string }[];
  nodes: { node: NodeRecord; approvals: Approval[] }[];
}

export class GenesisError extends Error {
  override name = 'GenesisError';
}

export interface GenesisPlan {
  subnet: string;
  jurisdiction: string;
  threshold: number;
  governance: { key: SigningKey; label: string }[];
  nodes: NodeRecord[];
}

/** Signs each node's admission with every governance key given, at the epoch it will be admitted in. */
export function makeGenesis(plan: GenesisPlan): Genesis {
  return {
    subnet: plan.subnet,
    jurisdiction: plan.jurisdiction,
    threshold: plan.threshold,
    governanceKeys: plan.governance.map(({ key, label }) => ({ key: key.id, label })),
    nodes: plan.nodes.map((node, epoch) => ({
      node,
      approvals: plan.governance.map(({ key }) => approve(key, admissionBytes(plan.subnet, epoch, node))),
    })),
  };
}

/**
 * Brings the registry to the genesis: creates it when empty and admits every genesis node not
 * yet a member. Safe to run on every start; the executor checks every signature.
 */
export async function applyGenesis(subnet: Subnet, genesis: Genesis): Promise<RegistryView> {
  if (genesis.subnet !== subnet.subnetId) {
    throw new GenesisError(`the genesis file is for subnet "${genesis.subnet}", but this data folder belongs to "${subnet.subnetId}"`);
  }
  if (!registryView(subnet)) {
    // One command for the whole genesis: on a cluster every first replica submits the same one
    // (same id), it runs once, and its block makes every genesis node a member at once.
    const { subnet: id, jurisdiction, governanceKeys, threshold, nodes } = genesis;
    await submitOrThrow(subnet, 'genesis', { subnet: id, jurisdiction, governanceKeys, threshold, nodes }, 'apply the genesis');
  }
  for (const { node, approvals } of genesis.nodes) {
    if (isMember(subnet, node.id)) continue;
    await submitOrThrow(subnet, 'admit', { node, approvals }, `admit node ${node.id}`);
  }
  return registryView(subnet) as RegistryView;
}

export function registryView(subnet: Subnet): RegistryView | null {
  return subnet.query('registry', 'view', {}, 'system') as RegistryView | null;
}

export function isMember(subnet: Subnet, nodeId: string): boolean {
  return registryView(subnet)?.nodes.some((node) => node.id === nodeId) ?? false;
}

/** Submits a registry command as the bootstrapping node. The id names its content, so a corrected retry is not answered by an old failure. */
export async function submitOrThrow(subnet: Subnet, method: string, args: object, what: string): Promise<void> {
  const id = `registry-${method}-${toHex(sha256(canonicalJsonBytes(args))).slice(0, 32)}`;
  const result = await subnet.submit({ app: 'registry', method, caller: 'system', args: args as never, id });
  if (!result.ok) throw new GenesisError(`could not ${what}: ${result.error.message}`);
}
