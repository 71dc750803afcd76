import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { admissionBytes, type Genesis, loadOrCreateSigningKey, validApprovers } from '../../src/subnet/index.ts';
import { runWatan } from '../cli/run-watan.ts';

test('watan genesis --nodes signs the admission of every node in the file, each at its own epoch', async () => {
  const root = mkdtempSync(join(tmpdir(), 'watan-genesis-nodes-'));
  try {
    const governance = loadOrCreateSigningKey(join(root, 'g.key'));
    const nodes = [1, 2, 3, 4].map((i) => ({
      id: loadOrCreateSigningKey(join(root, `n${i}.key`)).id,
      operator: `operator ${i}`,
      dataCentre: `dc ${i}`,
      province: 'Sindh',
    }));
    writeFileSync(join(root, 'nodes.json'), JSON.stringify(nodes));
    const outcome = await runWatan([
      'genesis',
      '--subnet',
      'four',
      '--governance-key-file',
      join(root, 'g.key'),
      '--nodes',
      join(root, 'nodes.json'),
    ]);
    assert.equal(outcome.code, 0, outcome.stderr);
    const genesis = JSON.parse(outcome.stdout) as Genesis;
    assert.deepEqual(
      genesis.nodes.map(({ node }) => node.id),
      nodes.map((n) => n.id),
    );
    for (const [epoch, { node, approvals }] of genesis.nodes.entries()) {
      assert.equal(node.jurisdiction, 'PK');
      assert.deepEqual([...validApprovers(approvals, [governance.id], admissionBytes('four', epoch, node))], [governance.id]);
    }
    writeFileSync(join(root, 'bad.json'), JSON.stringify([{ id: nodes[0]?.id }]));
    const bad = await runWatan([
      'genesis',
      '--subnet',
      'four',
      '--governance-key-file',
      join(root, 'g.key'),
      '--nodes',
      join(root, 'bad.json'),
    ]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /node 1 has no operator/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
