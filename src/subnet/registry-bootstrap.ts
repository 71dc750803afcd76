import { admissionBytes, approve, type NodeRecord, type RegistryView } from './apps/registry.ts';
import { dataFiles } from './data-dir.ts';
import { loadOrCreateSigningKey } from './node-key.ts';
import type { Subnet } from './subnet.ts';

export interface NodeFacts {
  operator: string;
  dataCentre: string;
  province: string;
  jurisdiction: string;
}

export class RegistryBootstrapError extends Error {
  override name = 'RegistryBootstrapError';
}

/**
 * On a subnet's first start, creates a development registry: one governance key (kept in
 * the data folder, 0600), threshold 1, and this node admitted with its attestation. A
 * production subnet's governance keys are held by their owners, never on a node.
 */
export async function bootstrapDevelopmentRegistry(subnet: Subnet, facts: NodeFacts): Promise<RegistryView> {
  const existing = subnet.query('registry', 'view', {}, 'system') as RegistryView | null;
  if (existing) return existing;
  const governance = loadOrCreateSigningKey(dataFiles(subnet.dataDir).governanceKey);
  await submitOrThrow(subnet, 'init', {
    subnet: subnet.subnetId,
    jurisdiction: 'PK',
    governanceKeys: [{ key: governance.id, label: 'development governance key' }],
    threshold: 1,
  });
  const node: NodeRecord = { id: subnet.nodeKey.id, ...facts };
  await submitOrThrow(subnet, 'admit', { node, approvals: [approve(governance, admissionBytes(subnet.subnetId, 0, node))] });
  return subnet.query('registry', 'view', {}, 'system') as RegistryView;
}

async function submitOrThrow(subnet: Subnet, method: string, args: object): Promise<void> {
  const result = await subnet.submit({
    app: 'registry',
    method,
    caller: 'system',
    args: args as never,
    id: `bootstrap-registry-${method}`,
  });
  if (!result.ok) throw new RegistryBootstrapError(`could not bootstrap the registry: ${result.error.message}`);
}
