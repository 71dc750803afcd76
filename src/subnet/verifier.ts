import { admissionBytes, type RegistryView, validApprovers } from './apps/registry.ts';
import { type Certificate, verifyCertificate } from './checkpoint.ts';
import type { ResultProof } from './executor.ts';
import { fromHex } from './hashing.ts';
import { leafHash, verifyInclusion } from './merkle.ts';
import { type CommandOutcome, resultLeaf } from './results.ts';

export interface Verification {
  ok: boolean;
  /** What was checked and held, as sentences. */
  passed: string[];
  /** What was checked and failed, as sentences. */
  failed: string[];
  /** What the verification had to take on trust. */
  warnings: string[];
}

export interface VerifyInput {
  certificate: Certificate;
  registry: RegistryView;
  /** Governance keys the verifier trusts out of band; without them the served ones are trusted. */
  pinnedGovernanceKeys?: readonly string[];
  /** The subnet the verifier expects to be talking to. */
  expectedSubnet?: string;
}

/**
 * Verifies what a node serves, as an outside party would: the registry's members are
 * attested by enough governance keys and sit in the subnet's jurisdiction, and the latest
 * certificate carries a quorum of valid member signatures.
 */
export function verifySubnet(input: VerifyInput): Verification {
  const { certificate, registry } = input;
  const passed: string[] = [];
  const failed: string[] = [];
  const warnings: string[] = [];
  const served = registry.governanceKeys.map((g) => g.key);
  const pinned = input.pinnedGovernanceKeys && input.pinnedGovernanceKeys.length > 0 ? input.pinnedGovernanceKeys : undefined;
  // With pinned keys only they can attest; otherwise the node's own list is all there is.
  const governance = pinned ? served.filter((key) => pinned.includes(key)) : served;

  if (input.expectedSubnet !== undefined && registry.subnet !== input.expectedSubnet) {
    failed.push(`the node serves subnet "${registry.subnet}", not the expected "${input.expectedSubnet}"`);
  }
  if (!Number.isSafeInteger(registry.threshold) || registry.threshold < 1 || registry.threshold > served.length) {
    failed.push(`the registry's threshold ${registry.threshold} is not a whole number from 1 to its ${served.length} governance key(s)`);
  }
  if (pinned) {
    const unknown = served.filter((key) => !pinned.includes(key));
    if (unknown.length > 0) failed.push(`governance keys not among the pinned ones: ${unknown.join(', ')}`);
    else if (governance.length === 0) failed.push('the node serves none of the pinned governance keys');
    else passed.push(`all ${governance.length} governance key(s) are pinned`);
  } else {
    warnings.push('governance keys were taken from the node itself; pin them with --governance-key for an independent check');
  }

  for (const node of registry.nodes) {
    const { admittedEpoch, approvals, ...record } = node;
    if (record.jurisdiction !== registry.jurisdiction) {
      failed.push(`node ${record.id} is in ${record.jurisdiction}, outside the subnet's jurisdiction ${registry.jurisdiction}`);
      continue;
    }
    const approvers = validApprovers(approvals, governance, admissionBytes(registry.subnet, admittedEpoch, record));
    if (approvers.size < Math.max(1, registry.threshold)) {
      failed.push(`node ${record.id} has ${approvers.size} valid governance attestation(s); ${registry.threshold} needed`);
    } else {
      passed.push(
        `node ${record.id} (${record.operator}, ${record.dataCentre}, ${record.province}, ${record.jurisdiction}) is attested by ${approvers.size} governance key(s)`,
      );
    }
  }

  // Signatures are counted against the member set the checkpoint itself commits to, not the
  // list the node serves; the served registry only vouches (by governance) for who they are.
  const members = certificate.members ?? registry.nodes.map((n) => n.id);
  const check = verifyCertificate(certificate, registry.subnet, members);
  const { checkpoint } = certificate;
  const attested = new Set(registry.nodes.map((n) => n.id));
  const unattested = check.signers.filter((signer) => !attested.has(signer));
  if (unattested.length > 0)
    failed.push(`certificate for block ${checkpoint.block} is signed by nodes the registry does not list: ${unattested.join(', ')}`);
  if (check.ok) {
    passed.push(
      `certificate for block ${checkpoint.block} (height ${checkpoint.height}, digest ${checkpoint.digest.slice(0, 16)}…) is signed by a quorum: ${check.signers.length} of its ${new Set(members).size} committed member(s)`,
    );
  } else {
    failed.push(...check.problems.map((p) => `certificate for block ${checkpoint.block}: ${p}`));
  }
  return { ok: failed.length === 0, passed, failed, warnings };
}

/** True when a result's inclusion proof leads to the results root its certificate commits to. */
export function verifyResultProof(proof: ResultProof): boolean {
  const { result, leafIndex, treeSize, certificate } = proof;
  if (result.block !== certificate.checkpoint.block) return false;
  const outcome: CommandOutcome = result.ok ? { ok: true, value: result.value } : { ok: false, error: result.error };
  const leaf = leafHash(Buffer.from(resultLeaf(result.height, result.id, outcome), 'utf8'));
  return verifyInclusion(leaf, leafIndex, treeSize, proof.proof.map(fromHex), fromHex(certificate.checkpoint.resultsRoot));
}
