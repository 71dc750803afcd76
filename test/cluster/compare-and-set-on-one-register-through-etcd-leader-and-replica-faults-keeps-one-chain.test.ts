import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Subnet } from '../../src/subnet/index.ts';
import {
  assertOneRegisterChain,
  casUnderFault,
  newRegisterWorkload,
  type RecordedResult,
  recordedResults,
  registerHistory,
} from '../fixtures/cas-register.ts';
import {
  assertOneCertifiedHistory,
  freezeThenKill,
  killAndRestartEtcdMember,
  settleEverywhere,
  startReplicaProcess,
  withReplicas,
} from '../fixtures/etcd-replicas.ts';

const TIMEOUT = { timeout: 300_000 };
const PER_CLIENT = 18;

/**
 * Two clients on each of three replicas in this process read the register and set it from
 * what they read, to a value unique to the attempt; the fourth replica runs as its own
 * `watan start` process. Faults, one per phase: kill -9 of the etcd leader (restarted a
 * second later), SIGSTOP of the fourth replica for 3 s, kill -9 of it mid-stream. Timed-out
 * attempts are settled by their ids; then the replicas' own records must make one chain.
 */
test(
  'compare-and-set on one register through kill -9 of the etcd leader and SIGSTOP and kill -9 of a replica: the swaps form one chain in log order, every acknowledged outcome is in it as acknowledged, every replica ends on it with one certified history',
  TIMEOUT,
  (t) =>
    withReplicas('register', 4, async (replicas, etcd) => {
      const workload = newRegisterWorkload();
      const clients = [0, 0, 1, 1, 2, 2].map((i) => replicas.subnets[i] as Subnet);
      const load = (phase: string, fault: () => Promise<void>) => casUnderFault(workload, clients, phase, PER_CLIENT, fault);
      const replica = await startReplicaProcess(replicas, etcd, 3);
      try {
        const leader = await etcd.waitForLeader();
        await load('leader', () => killAndRestartEtcdMember(etcd, leader));
        await freezeThenKill(load, replica);
      } finally {
        await replica.kill();
      }

      const unknown = workload.unknown.size;
      // The killed replica restarts (unsealed: it checks its whole folder) and catches up.
      await replicas.open(3);
      await settleEverywhere(workload, replicas);
      assert.equal(workload.acknowledged.size, 3 * clients.length * PER_CLIENT);
      const subnets = replicas.subnets as Subnet[];
      const history = assertOneRegisterChain(workload, subnets);
      assert.ok(history.chain.length > 1, `the clients swapped the register (${history.chain.length} times)`);
      t.diagnostic(`${workload.attempts.size} attempts, ${history.chain.length} swaps, ${unknown} unknown until settled by id`);
      await assertOneCertifiedHistory(subnets);

      // The check fails on the records of a replica that ran a swap twice, or skipped one.
      const results = recordedResults((subnets[0] as Subnet).dataDir);
      const swap = results.find((result) => result.id === history.chain[0]) as RecordedResult;
      const last = results.at(-1) as RecordedResult;
      assert.throws(() => registerHistory(workload, [...results, { ...swap, height: last.height + 1 }]), /ran a second time/);
      const first = (results[0] as RecordedResult).height;
      const skipped = results.filter((result) => result !== swap).map((result, i) => ({ ...result, height: first + i }));
      assert.throws(() => registerHistory(workload, skipped), /found the value the swaps before it left|swapped exactly when/);
    }),
);
