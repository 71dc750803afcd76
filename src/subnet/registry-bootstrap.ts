import { admissionBytes, approve, type NodeRecord, type RegistryView } from './apps/registry.ts';
import { dataFiles } from './data-dir.ts';
import { isMember, registryView, submitOrThrow } from './genesis.ts';
import { loadOrCreateSigningKey } from './node-key.ts';
import type { Subnet } from './subnet.ts';

export interface NodeFacts {
  operator: string;
  dataCentre: string;
  province: string;
  jurisdiction: string;
}

/**
 * Development only: creates a registry governed by one key kept in the data folder (0600),
 * threshold 1, in jurisdiction PK, and admits this node. Resumes where a failed start left
 * off — a node refused for its facts is admitted once started with corrected ones. A
 * production subnet starts from a genesis file; its governance keys never sit on a node.
 */
export async function bootstrapDevelopmentRegistry(subnet: Subnet, facts: NodeFacts): Promise<RegistryView> {
  const governance = loadOrCreateSigningKey(dataFiles(subnet.dataDir).governanceKey);
  if (!registryView(subnet)) {
    const governanceKeys = [{ key: governance.id, label: 'development governance key' }];
    await submitOrThrow(
      subnet,
      'init',
      { subnet: subnet.subnetId, jurisdiction: 'PK', governanceKeys, threshold: 1 },
      'create the registry',
    );
  }
  if (!isMember(subnet, subnet.nodeKey.id)) {
    const { epoch } = registryView(subnet) as RegistryView;
    const node: NodeRecord = { id: subnet.nodeKey.id, ...facts };
    await submitOrThrow(
      subnet,
      'admit',
      { node, approvals: [approve(governance, admissionBytes(subnet.subnetId, epoch, node))] },
      'admit this node',
    );
  }
  return registryView(subnet) as RegistryView;
}
