import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  type Approval,
  admissionBytes,
  approve,
  bootstrapDevelopmentRegistry,
  type Certificate,
  type CommandResult,
  checkpointSigningBytes,
  coreApps,
  dataFiles,
  isCanonicalKeyId,
  loadOrCreateSigningKey,
  type NodeRecord,
  type RegistryView,
  type SigningKey,
  Subnet,
  verifyCertificate,
  verifySubnet,
} from '../../src/subnet/index.ts';

const TEST_TIMEOUT = { timeout: 30_000 };

interface Fixture {
  subnet: Subnet;
  /** The development governance key the bootstrap left in the data folder. */
  governance: SigningKey;
  /** A fresh ed25519 key kept in a temp folder outside the data folder. */
  freshKey(name: string): SigningKey;
  view(): RegistryView;
  admit(node: NodeRecord, approvals: Approval[]): Promise<CommandResult>;
}

/** A bootstrapped subnet in a temp folder, closed and removed however the test ends. */
async function withSubnet(body: (fixture: Fixture) => Promise<void>): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'watan-'));
  const keysDir = await mkdtemp(join(tmpdir(), 'watan-'));
  const subnet = await Subnet.open({ dataDir, apps: coreApps });
  try {
    await bootstrapDevelopmentRegistry(subnet, { operator: 't', dataCentre: 't', province: 't', jurisdiction: 'PK' });
    const view = () => {
      const registry = subnet.query('registry', 'view', {}, 'test') as RegistryView | null;
      assert.ok(registry, 'the registry should be initialised');
      return registry;
    };
    await body({
      subnet,
      governance: loadOrCreateSigningKey(dataFiles(dataDir).governanceKey),
      freshKey: (name) => loadOrCreateSigningKey(join(keysDir, `${name}.key`)),
      view,
      admit: (node, approvals) => subnet.submit({ app: 'registry', method: 'admit', args: { node, approvals }, caller: 'test' }),
    });
  } finally {
    await subnet.close();
    await rm(dataDir, { recursive: true, force: true });
    await rm(keysDir, { recursive: true, force: true });
  }
}

function record(id: string, overrides: Partial<NodeRecord> = {}): NodeRecord {
  return { id, operator: 'Second Operator', dataCentre: 'Karachi DC-1', province: 'Sindh', jurisdiction: 'PK', ...overrides };
}

function refusal(result: CommandResult): { code: string; message: string } {
  assert.equal(result.ok, false, `the admission should have been refused: ${JSON.stringify(result)}`);
  return (result as Extract<CommandResult, { ok: false }>).error;
}

/** The certificate with a second replica's signature added, as that replica would sign the same checkpoint. */
function coSigned(certificate: Certificate, replica: SigningKey): Certificate {
  const signature = replica.sign(checkpointSigningBytes(certificate.checkpoint)).toString('base64url');
  return { ...certificate, signatures: [...certificate.signatures, { node: replica.id, signature }] };
}

test('the registry refuses a properly attested node in another jurisdiction, naming both jurisdictions', TEST_TIMEOUT, async () => {
  await withSubnet(async ({ governance, freshKey, view, admit, subnet }) => {
    const before = view();
    assert.equal(before.jurisdiction, 'PK');
    const node = record(freshKey('dubai').id, { dataCentre: 'Dubai DC-1', province: 'Dubai', jurisdiction: 'AE' });
    const result = await admit(node, [approve(governance, admissionBytes(subnet.subnetId, before.epoch, node))]);
    const error = refusal(result);
    assert.equal(error.code, 'FOREIGN_JURISDICTION');
    assert.match(error.message, /\bAE\b/);
    assert.match(error.message, /\bPK\b/);
    assert.deepEqual(view(), before, 'a refused admission must leave the registry as it was');
  });
});

test(
  'the registry refuses a node approved by a key that is not a governance key, or by a forged governance signature',
  TEST_TIMEOUT,
  async () => {
    await withSubnet(async ({ governance, freshKey, view, admit, subnet }) => {
      const before = view();
      const rogue = freshKey('rogue');
      assert.ok(!before.governanceKeys.some((g) => g.key === rogue.id));
      const node = record(freshKey('node').id);
      const bytes = admissionBytes(subnet.subnetId, before.epoch, node);

      const byRogue = refusal(await admit(node, [approve(rogue, bytes)]));
      assert.equal(byRogue.code, 'ATTESTATION_INVALID');

      // The rogue key's signature presented under the governance key's name.
      const forged = refusal(await admit(node, [{ key: governance.id, signature: rogue.sign(bytes).toString('base64url') }]));
      assert.equal(forged.code, 'ATTESTATION_INVALID');

      assert.deepEqual(view(), before, 'refused admissions must leave the registry as it was');
    });
  },
);

test('the registry refuses a governance signature made for a different record or an earlier epoch', TEST_TIMEOUT, async () => {
  await withSubnet(async ({ governance, freshKey, view, admit, subnet }) => {
    const before = view();
    const signed = record(freshKey('node').id, { dataCentre: 'Karachi DC-1' });
    const approval = approve(governance, admissionBytes(subnet.subnetId, before.epoch, signed));

    const changed = refusal(await admit({ ...signed, dataCentre: 'Lahore DC-2' }, [approval]));
    assert.equal(changed.code, 'ATTESTATION_INVALID');

    const reusedNodeKey = refusal(await admit({ ...signed, id: freshKey('other').id }, [approval]));
    assert.equal(reusedNodeKey.code, 'ATTESTATION_INVALID');

    assert.ok(before.epoch >= 1, 'the bootstrap admission should have advanced the epoch');
    const stale = refusal(await admit(signed, [approve(governance, admissionBytes(subnet.subnetId, before.epoch - 1, signed))]));
    assert.equal(stale.code, 'ATTESTATION_INVALID');

    const otherSubnet = refusal(await admit(signed, [approve(governance, admissionBytes('another-subnet', before.epoch, signed))]));
    assert.equal(otherSubnet.code, 'ATTESTATION_INVALID');

    assert.deepEqual(view(), before, 'refused admissions must leave the registry as it was');
  });
});

test(
  'the registry admits a properly attested PK node, and verifySubnet accepts the registry with a certificate its members sign',
  TEST_TIMEOUT,
  async () => {
    await withSubnet(async ({ governance, freshKey, view, admit, subnet }) => {
      const before = view();
      const secondReplica = freshKey('second');
      const node = record(secondReplica.id);
      const result = await admit(node, [approve(governance, admissionBytes(subnet.subnetId, before.epoch, node))]);
      assert.equal(result.ok, true, `the admission should succeed: ${JSON.stringify(result)}`);

      const after = view();
      assert.equal(after.epoch, before.epoch + 1);
      assert.equal(after.nodes.length, before.nodes.length + 1);
      const admitted = after.nodes.find((n) => n.id === node.id);
      assert.ok(admitted, 'the admitted node should appear in the registry view');
      assert.deepEqual(
        { ...admitted, approvals: undefined, admittedEpoch: undefined },
        { ...node, approvals: undefined, admittedEpoch: undefined },
      );
      assert.equal(admitted.admittedEpoch, before.epoch);

      // With two members a quorum is two: the first replica alone no longer certifies.
      assert.ok((subnet.latestCertificate()?.checkpoint.height ?? 0) < subnet.appliedHeight, 'one of two members is no quorum');
      const own = subnet.ownCheckpoint(subnet.appliedBlock);
      assert.ok(own?.signature, 'the replica signed its checkpoint of the admission');
      const latest: Certificate = { checkpoint: own.checkpoint, signatures: [own.signature], members: after.nodes.map((n) => n.id) };

      // The second replica signs the same checkpoint.
      const verification = verifySubnet({
        certificate: coSigned(latest, secondReplica),
        registry: after,
        pinnedGovernanceKeys: [governance.id],
        expectedSubnet: subnet.subnetId,
      });
      assert.deepEqual(verification.failed, []);
      assert.equal(verification.ok, true);
      assert.ok(
        verification.passed.some((line) => line.includes(node.id) && line.includes('attested')),
        verification.passed.join('\n'),
      );

      // One signature is not a quorum of two members.
      const alone = verifySubnet({ certificate: latest, registry: after });
      assert.equal(alone.ok, false);
      assert.ok(
        alone.failed.some((line) => line.includes('quorum')),
        alone.failed.join('\n'),
      );
    });
  },
);

test('verifySubnet rejects a registry whose node jurisdiction was edited after admission', TEST_TIMEOUT, async () => {
  await withSubnet(async ({ governance, view, subnet }) => {
    const registry = view();
    const certificate = subnet.latestCertificate();
    assert.ok(certificate);
    assert.equal(
      verifySubnet({ certificate, registry, pinnedGovernanceKeys: [governance.id] }).ok,
      true,
      'the untouched registry should verify',
    );
    const nodeId = registry.nodes[0]?.id as string;

    const nodeMoved = structuredClone(registry);
    (nodeMoved.nodes[0] as RegistryView['nodes'][number]).jurisdiction = 'AE';
    const movedCheck = verifySubnet({ certificate, registry: nodeMoved, pinnedGovernanceKeys: [governance.id] });
    assert.equal(movedCheck.ok, false);
    assert.ok(
      movedCheck.failed.some((line) => line.includes(nodeId) && line.includes('AE')),
      movedCheck.failed.join('\n'),
    );

    // Relabelling the subnet and its node together keeps them consistent, but not the attestation.
    const relabelled = structuredClone(registry);
    relabelled.jurisdiction = 'AE';
    for (const n of relabelled.nodes) n.jurisdiction = 'AE';
    const relabelledCheck = verifySubnet({ certificate, registry: relabelled, pinnedGovernanceKeys: [governance.id] });
    assert.equal(relabelledCheck.ok, false);
    assert.ok(
      relabelledCheck.failed.some((line) => line.includes(nodeId) && line.includes('attestation')),
      relabelledCheck.failed.join('\n'),
    );
  });
});

test('verifySubnet rejects a certificate with one flipped signature byte', TEST_TIMEOUT, async () => {
  await withSubnet(async ({ view, subnet }) => {
    const registry = view();
    const certificate = subnet.latestCertificate();
    assert.ok(certificate);
    assert.equal(verifySubnet({ certificate, registry }).ok, true, 'the untouched certificate should verify');

    const flipped = structuredClone(certificate);
    const entry = flipped.signatures[0];
    assert.ok(entry);
    const bytes = Buffer.from(entry.signature, 'base64url');
    bytes[10] = (bytes[10] as number) ^ 0x01;
    entry.signature = bytes.toString('base64url');

    const check = verifySubnet({ certificate: flipped, registry });
    assert.equal(check.ok, false);
    assert.ok(
      check.failed.some((line) => line.includes(entry.node) && line.includes('does not verify')),
      check.failed.join('\n'),
    );
  });
});

test(
  'verifySubnet rejects a served registry that drops its threshold to 0 to pass an unattested node, even with pinned governance keys',
  TEST_TIMEOUT,
  async () => {
    await withSubnet(async ({ governance, freshKey, view, subnet }) => {
      const registry = view();
      const latest = subnet.latestCertificate();
      assert.ok(latest);
      const impostor = freshKey('impostor');
      // A node serving this view claims the impostor is the only member, needing no attestation.
      const certificate: Certificate = {
        checkpoint: latest.checkpoint,
        signatures: [{ node: impostor.id, signature: impostor.sign(checkpointSigningBytes(latest.checkpoint)).toString('base64url') }],
      };
      const unattested = { ...record(impostor.id), admittedEpoch: 0, approvals: [] };
      const zeroThreshold: RegistryView = { ...structuredClone(registry), threshold: 0, nodes: [unattested] };
      const noGovernance: RegistryView = { ...zeroThreshold, governanceKeys: [] };

      for (const [what, served] of [
        ['threshold 0', zeroThreshold],
        ['threshold 0 and no governance keys', noGovernance],
      ] as const) {
        const check = verifySubnet({
          certificate,
          registry: served,
          pinnedGovernanceKeys: [governance.id],
          expectedSubnet: subnet.subnetId,
        });
        assert.equal(check.ok, false, `a registry served with ${what} must not verify:\n${check.passed.join('\n')}`);
      }
    });
  },
);

test('a second spelling of a member key neither verifies nor counts as another signer', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'watan-'));
  try {
    const subnet = await Subnet.open({ dataDir: dir, apps: coreApps });
    try {
      await bootstrapDevelopmentRegistry(subnet, { operator: 't', dataCentre: 't', province: 't', jurisdiction: 'PK' });
      const certificate = subnet.latestCertificate();
      assert.ok(certificate);
      const id = subnet.nodeKey.id;
      // The last base64url character carries 4 unused bits for 32 bytes; flipping one spells the same key.
      const last = id.at(-1) as string;
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const twin = id.slice(0, -1) + alphabet[alphabet.indexOf(last) ^ 1];
      assert.ok(Buffer.from(twin, 'base64url').equals(Buffer.from(id, 'base64url')), 'the twin decodes to the same key');
      assert.equal(isCanonicalKeyId(twin), false);
      const doubled = {
        ...certificate,
        signatures: [...certificate.signatures, { node: twin, signature: certificate.signatures[0]?.signature as string }],
      };
      const check = verifyCertificate(doubled, subnet.subnetId, [id, twin]);
      assert.deepEqual(check.signers, [id]);
      assert.equal(check.ok, false, 'two members listed, one real signer: no quorum');
    } finally {
      await subnet.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
