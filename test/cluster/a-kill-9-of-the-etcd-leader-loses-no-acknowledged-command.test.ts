import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Subnet } from '../../src/subnet/index.ts';
import {
  assertEachRanOnce,
  assertOneCertifiedHistory,
  newWorkload,
  settleEverywhere,
  withReplicas,
  writeUnderFault,
} from '../fixtures/etcd-replicas.ts';

const TIMEOUT = { timeout: 300_000 };
const PER_WRITER = 40;

test(
  'kill -9 of the etcd leader during appends: every acknowledged command runs exactly once on every replica, with one digest at every block',
  TIMEOUT,
  () =>
    withReplicas('leader-kill', 4, async (replicas, etcd) => {
      const subnets = replicas.subnets as Subnet[];
      const workload = newWorkload();
      // A third of the way in, the leader dies mid-stream.
      await writeUnderFault(workload, subnets, 'leader', PER_WRITER, async () => {
        await etcd.signal(await etcd.waitForLeader(), 'SIGKILL');
      });
      await settleEverywhere(workload, replicas);
      assert.equal(workload.acknowledged.size, 4 * PER_WRITER);
      assertEachRanOnce(workload, subnets);
      await assertOneCertifiedHistory(subnets);
    }),
);
