import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Subnet } from '../../src/subnet/index.ts';
import {
  assertEachRanOnce,
  assertOneCertifiedHistory,
  freezeThenKill,
  killAndRestartEtcdMember,
  newWorkload,
  settleEverywhere,
  startReplicaProcess,
  withReplicas,
  writeUnderFault,
} from '../fixtures/etcd-replicas.ts';

const TIMEOUT = { timeout: 300_000 };
const PER_WRITER = 24;

/**
 * Three replicas in this process write; the fourth runs as its own `watan start` process, so
 * that it can be frozen with SIGSTOP and then killed -9 (in the middle of applying blocks).
 * Then an etcd follower is killed -9 under the same load. Every write whose outcome was unknown is
 * settled by submitting its id again; at the end every replica, the fourth reopened here,
 * must hold each acknowledged command exactly once and one certified history.
 */
test(
  'kill -9 and SIGSTOP of a replica, and kill -9 of an etcd follower, under load: every acknowledged command runs exactly once everywhere, with one certified checkpoint per block',
  TIMEOUT,
  () =>
    withReplicas('faults', 4, async (replicas, etcd) => {
      const workload = newWorkload();
      const load = (phase: string, fault: () => Promise<void>) =>
        writeUnderFault(
          workload,
          [0, 1, 2].map((w) => replicas.subnets[w] as Subnet),
          phase,
          PER_WRITER,
          fault,
        );
      const replica = await startReplicaProcess(replicas, etcd, 3);
      try {
        await freezeThenKill(load, replica);
      } finally {
        await replica.kill();
      }
      const leader = await etcd.waitForLeader();
      const follower = etcd.members.find((member) => member.name !== leader)?.name as string;
      await load('etcd-follower', () => killAndRestartEtcdMember(etcd, follower));

      // The killed replica restarts (unsealed, so it checks its whole folder first) and catches up.
      await replicas.open(3);
      await settleEverywhere(workload, replicas);
      assert.equal(workload.acknowledged.size, 3 * 3 * PER_WRITER);
      const subnets = replicas.subnets as Subnet[];
      assertEachRanOnce(workload, subnets);
      await assertOneCertifiedHistory(subnets);
    }),
);
