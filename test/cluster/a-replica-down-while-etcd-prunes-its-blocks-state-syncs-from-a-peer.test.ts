import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RunningNode } from '../../src/node/index.ts';
import { blocksPrefix, connectEtcd, dataFiles, SqliteLog, type Subnet } from '../../src/subnet/index.ts';
import { startEtcdCluster } from '../fixtures/etcd-cluster.ts';
import { assertOneCertifiedHistory, clusterGenesis, putKv, startClusterNode, stopOneWhileOthersPrune } from '../fixtures/etcd-replicas.ts';

const TIMEOUT = { timeout: 300_000 };
const SUBNET = 'pruned-cluster';

test(
  'blocks certified by a quorum are deleted from etcd; a replica that was down meanwhile installs a verified snapshot from a peer and reaches the same digest',
  TIMEOUT,
  async () => {
    const etcd = await startEtcdCluster('prune');
    const root = mkdtempSync(join(tmpdir(), 'watan-prune-'));
    const names = ['n1', 'n2', 'n3', 'n4'];
    const { genesis } = clusterGenesis(root, SUBNET, names);
    const start = (name: string) => startClusterNode(root, name, genesis, etcd.endpoints, [], 0);
    const nodes: (RunningNode | undefined)[] = [];
    const client = await connectEtcd(etcd.endpoints);
    try {
      for (const name of names) nodes.push(await start(name));
      const n1 = nodes[0] as RunningNode;
      for (let i = 0; i < 5; i++) await putKv(n1, `before-${i}`, 'v');

      // n4 stops; while it is down the others write, certify and delete from etcd what it has not mirrored.
      const { stoppedAt, lastBlock: last } = await stopOneWhileOthersPrune(nodes, root, SUBNET, etcd.endpoints, 20);
      const left = await client.getAll().prefix(blocksPrefix(SUBNET)).maxModRevision(stoppedAt).count();
      const fromOthers = await client
        .getAll()
        .prefix(blocksPrefix(SUBNET))
        .minModRevision(stoppedAt + 1)
        .count();
      assert.ok(fromOthers < 20, `certified blocks are gone from etcd (${fromOthers} of 20 left, ${left} older)`);

      // n4 comes back: its log cannot continue, so it installs a certified snapshot and goes on.
      const back = await start('n4');
      nodes[3] = back;
      const synced = new SqliteLog(dataFiles(join(root, 'n4')).log, SUBNET, { readonly: true });
      try {
        assert.ok(synced.startsAfter && synced.startsAfter.block >= last, 'the mirror starts at the snapshot block');
      } finally {
        synced.close();
      }
      assert.deepEqual(back.subnet.query('kv', 'get', { key: 'during-19' }, 'test'), { value: '19', version: 1 });
      assert.ok(back.subnet.certificate(back.subnet.appliedBlock), 'the snapshot came with its quorum certificate');

      // It takes part again: its writes run everywhere, and all four certify one history.
      const after = await putKv(back, 'after-sync', 'x');
      assert.equal(after.ok, true);
      for (const node of nodes as RunningNode[]) {
        for (let i = 0; i < 500 && node.subnet.appliedBlock < after.block; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await assertOneCertifiedHistory((nodes as RunningNode[]).map((node) => node.subnet as Subnet));
    } finally {
      client.close();
      for (const node of nodes) await node?.close();
      await etcd.stop();
      rmSync(root, { recursive: true, force: true });
    }
  },
);
