import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RunningNode } from '../../src/node/index.ts';
import type { Certificate } from '../../src/subnet/index.ts';
import { runWatan } from '../cli/run-watan.ts';
import { startEtcdCluster } from '../fixtures/etcd-cluster.ts';
import { clusterGenesis, startClusterNode } from '../fixtures/etcd-replicas.ts';

const TIMEOUT = { timeout: 300_000 };

async function json(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(60_000) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

test(
  'four cluster nodes certify by quorum through etcd: each serves a certificate with more than two thirds of the signatures, watan verify accepts it, and without a quorum nothing is certified',
  TIMEOUT,
  async () => {
    const etcd = await startEtcdCluster('quorum');
    const root = mkdtempSync(join(tmpdir(), 'watan-quorum-cluster-'));
    const names = ['n1', 'n2', 'n3', 'n4'];
    const { genesis, governance } = clusterGenesis(root, 'quorum-cluster', names);
    const nodes: (RunningNode | undefined)[] = [];
    try {
      for (const name of names) nodes.push(await startClusterNode(root, name, genesis, etcd.endpoints));
      const [n1, n2, n3, n4] = nodes as RunningNode[] as [RunningNode, RunningNode, RunningNode, RunningNode];

      const put = await n1.subnet.submit({ app: 'kv', method: 'put', caller: 'test', args: { key: 'k', value: 'v' } });
      const proof = await json(`${n1.url}/_watan/v1/results/${put.id}?wait_ms=30000`);
      assert.equal(proof.status, 200, JSON.stringify(proof.body));
      const certified = proof.body.certificate as Certificate;
      assert.equal(certified.members?.length, 4);
      assert.ok(certified.signatures.length >= 3, 'a quorum of four members is three');

      for (const node of [n1, n2, n3, n4]) {
        assert.ok(await node.subnet.waitForCertificate(put.block, 30_000), 'every replica forms the certificate');
        const served = await json(`${node.url}/_watan/v1/checkpoint?block=${put.block}`);
        assert.equal(served.status, 200);
        assert.deepEqual(
          (served.body as unknown as Certificate).checkpoint,
          certified.checkpoint,
          'one certified checkpoint for the block',
        );
        const verified = await runWatan(['verify', '--url', node.url, '--governance-key', governance.id, '--command', put.id]);
        assert.equal(verified.code, 0, verified.stdout + verified.stderr);
        assert.match(verified.stdout, /signed by a quorum: [34] of its 4 committed member/);
      }

      // One replica down: three of four are still a quorum.
      await n4.close();
      nodes[3] = undefined;
      const withThree = await n2.subnet.submit({ app: 'kv', method: 'put', caller: 'test', args: { key: 'k', value: 'three' } });
      const three = await json(`${n2.url}/_watan/v1/results/${withThree.id}?wait_ms=30000`);
      assert.equal(three.status, 200, JSON.stringify(three.body));
      assert.equal((three.body.certificate as Certificate).signatures.length, 3);

      // Two down: writes still run on the replicas that are up, but no certificate forms.
      await n3.close();
      nodes[2] = undefined;
      const withTwo = await n1.subnet.submit({ app: 'kv', method: 'put', caller: 'test', args: { key: 'k', value: 'two' } });
      assert.equal(withTwo.ok, true);
      const none = await json(`${n1.url}/_watan/v1/results/${withTwo.id}?wait_ms=1500`);
      assert.equal(none.status, 404, 'the wait is bounded');
      assert.equal(none.body.errcode, 'M_NOT_YET_CERTIFIED');
      assert.equal(n1.subnet.certificate(withTwo.block), undefined);
      const latest = await json(`${n1.url}/_watan/v1/checkpoint`);
      assert.ok(((latest.body as unknown as Certificate).checkpoint.block as number) < withTwo.block);
    } finally {
      for (const node of nodes) await node?.close();
      await etcd.stop();
      rmSync(root, { recursive: true, force: true });
    }
  },
);
