import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Subnet } from '../../src/subnet/index.ts';
import { startEtcdCluster } from '../fixtures/etcd-cluster.ts';
import {
  assertEachRanOnce,
  assertOneCertifiedHistory,
  newWorkload,
  settleUnknown,
  startReplicas,
  writeUnderFault,
} from '../fixtures/etcd-replicas.ts';

const TIMEOUT = { timeout: 300_000 };
const PER_WRITER = 40;

test(
  'kill -9 of the etcd leader during appends: every acknowledged command runs exactly once on every replica, with one digest at every block',
  TIMEOUT,
  async () => {
    const etcd = await startEtcdCluster('leader-kill');
    const replicas = await startReplicas(etcd, 4);
    try {
      const subnets = replicas.subnets as Subnet[];
      const workload = newWorkload();
      // A third of the way in, the leader dies mid-stream.
      await writeUnderFault(workload, subnets, 'leader', PER_WRITER, async () => {
        await etcd.signal(await etcd.leader(), 'SIGKILL');
      });
      await settleUnknown(workload);
      assert.equal(workload.acknowledged.size, 4 * PER_WRITER);
      await replicas.settle();
      assertEachRanOnce(workload, subnets);
      await assertOneCertifiedHistory(subnets);
    } finally {
      await replicas.close();
      await etcd.stop();
    }
  },
);
