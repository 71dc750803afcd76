import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { NotAMemberError, type RunningNode } from '../../src/node/index.ts';
import { dataFiles, loadOrCreateSigningKey, makeGenesis, type RegistryView } from '../../src/subnet/index.ts';
import { runWatan } from '../cli/run-watan.ts';
import { startEtcdCluster } from '../fixtures/etcd-cluster.ts';
import { startClusterNode } from '../fixtures/etcd-replicas.ts';

const TIMEOUT = { timeout: 300_000 };

test('a new node is refused until governance approves it; propose, approve and join admit it on every replica', TIMEOUT, async () => {
  const etcd = await startEtcdCluster('admission');
  const root = mkdtempSync(join(tmpdir(), 'watan-admission-'));
  const running: RunningNode[] = [];
  try {
    const governanceFile = join(root, 'governance.key');
    const governance = loadOrCreateSigningKey(governanceFile);
    const members = ['member-1', 'member-2'].map((name) => {
      mkdirSync(join(root, name), { mode: 0o700 });
      return { name, key: loadOrCreateSigningKey(dataFiles(join(root, name)).nodeKey) };
    });
    const genesis = makeGenesis({
      subnet: 'admission',
      jurisdiction: 'PK',
      threshold: 1,
      governance: [{ key: governance, label: 'governance' }],
      nodes: members.map(({ name, key }) => ({ id: key.id, operator: name, dataCentre: name, province: 'Punjab', jurisdiction: 'PK' })),
    });
    for (const { name } of members) running.push(await startClusterNode(root, name, genesis, etcd.endpoints));
    const url = (running[0] as RunningNode).url;

    // Not admitted: every replica refuses to serve it.
    await assert.rejects(startClusterNode(root, 'newcomer', genesis, etcd.endpoints), NotAMemberError);

    const proposed = await runWatan([
      'admission',
      'propose',
      '--data',
      join(root, 'newcomer'),
      '--url',
      url,
      '--operator',
      'newcomer',
      '--data-centre',
      'Lahore 2',
      '--province',
      'Punjab',
    ]);
    assert.equal(proposed.code, 0, proposed.stderr);
    writeFileSync(join(root, 'request.json'), proposed.stdout);

    // Joining without an approval is refused, naming what is missing.
    const unapproved = await runWatan(['admission', 'join', '--request', join(root, 'request.json'), '--url', url]);
    assert.notEqual(unapproved.code, 0);
    assert.match(unapproved.stderr, /approvals/);

    // Approved by a key that is not a governance key: refused before it reaches the log.
    loadOrCreateSigningKey(join(root, 'not-governance.key'));
    const forged = await runWatan([
      'admission',
      'approve',
      '--request',
      join(root, 'request.json'),
      '--governance-key-file',
      join(root, 'not-governance.key'),
    ]);
    writeFileSync(join(root, 'forged.json'), forged.stdout);
    const refused = await runWatan(['admission', 'join', '--request', join(root, 'forged.json'), '--url', url]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /needs 1 governance approval\(s\) for membership epoch 2; 0 verified/);

    const approved = await runWatan([
      'admission',
      'approve',
      '--request',
      join(root, 'request.json'),
      '--governance-key-file',
      governanceFile,
    ]);
    assert.equal(approved.code, 0, approved.stderr);
    writeFileSync(join(root, 'approved.json'), approved.stdout);
    const joined = await runWatan(['admission', 'join', '--request', join(root, 'approved.json'), '--url', url]);
    assert.equal(joined.code, 0, joined.stderr);
    assert.match(joined.stdout, /admitted to subnet admission/);

    const newcomer = await startClusterNode(root, 'newcomer', genesis, etcd.endpoints);
    running.push(newcomer);
    const result = await newcomer.subnet.submit({ app: 'kv', method: 'put', caller: 'test', args: { key: 'from-newcomer', value: 'x' } });
    assert.equal(result.ok, true, 'the admitted node proposes blocks every replica runs');
    for (const node of running) {
      for (let i = 0; i < 500 && node.subnet.result(result.id) === undefined; i++) await new Promise((r) => setTimeout(r, 20));
      const view = node.subnet.query('registry', 'view', {}, 'system') as RegistryView;
      assert.equal(view.nodes.length, 3);
      assert.deepEqual(node.subnet.result(result.id), result);
    }
  } finally {
    for (const node of running) await node.close();
    await etcd.stop();
    rmSync(root, { recursive: true, force: true });
  }
});
