import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CommandResult, SubmitRequest, Subnet } from '../../src/subnet/index.ts';
import { type RunningWatan, startWatan } from '../cli/run-watan.ts';
import { startEtcdCluster } from '../fixtures/etcd-cluster.ts';
import { assertOneCertifiedHistory, startReplicas } from '../fixtures/etcd-replicas.ts';

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
  async () => {
    const etcd = await startEtcdCluster('faults');
    const replicas = await startReplicas(etcd, 4);
    let child: RunningWatan | undefined;
    const genesisFile = join(replicas.dirs[0] as string, '..', 'genesis.json');
    writeFileSync(genesisFile, JSON.stringify(replicas.genesis));
    const startChild = () =>
      startWatan(
        ['--data', replicas.dirs[3] as string, '--genesis', genesisFile, '--cluster', `etcd://${etcd.endpoints.join(',')}`, '--port', '0'],
        60_000,
      );
    const acknowledged = new Map<string, CommandResult>();
    const unknown = new Map<string, { writer: number; request: SubmitRequest }>();
    const writer = (w: number) => replicas.subnets[w] as Subnet;
    /** Three writers, each `PER_WRITER` commands in turn; `fault` starts once writer 0 is a third of the way in. */
    const load = async (phase: string, fault: () => Promise<void>) => {
      let faulted: Promise<void> | undefined;
      await Promise.all(
        [0, 1, 2].map(async (w) => {
          for (let i = 0; i < PER_WRITER; i++) {
            const id = `${phase}-w${w}-${i}`;
            const request = { id, app: 'kv', method: 'put', caller: 'test', args: { key: id, value: `${i}` } };
            if (w === 0 && i === Math.floor(PER_WRITER / 3)) faulted = fault();
            try {
              acknowledged.set(id, await writer(w).submit(request));
            } catch {
              unknown.set(id, { writer: w, request }); // a timeout is an unknown outcome, settled by its id below
            }
          }
        }),
      );
      await faulted;
    };
    try {
      await (replicas.subnets[3] as Subnet).close();
      replicas.subnets[3] = undefined;
      child = await startChild();

      await load('freeze', async () => {
        child?.child.kill('SIGSTOP');
        await new Promise((resolve) => setTimeout(resolve, 3000));
        child?.child.kill('SIGCONT');
      });

      await load('kill', async () => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        await child?.stop('SIGKILL');
      });
      child = undefined;
      const leader = await etcd.leader();
      const follower = etcd.members.find((member) => member.name !== leader)?.name as string;
      await load('etcd-follower', async () => {
        await etcd.signal(follower, 'SIGKILL');
        await new Promise((resolve) => setTimeout(resolve, 1000));
        await etcd.restart(follower);
      });

      for (const [id, { writer: w, request }] of unknown) acknowledged.set(id, await writer(w).submit(request));
      assert.equal(acknowledged.size, 3 * 3 * PER_WRITER);
      // The killed replica restarts (unsealed, so it checks its whole folder first) and catches up.
      await replicas.open(3);
      await replicas.settle();
      const subnets = replicas.subnets as Subnet[];
      for (const subnet of subnets) {
        for (const [id, result] of acknowledged) {
          assert.deepEqual(subnet.result(id), result, `${id} on ${subnet.nodeKey.id}`);
          assert.equal((subnet.query('kv', 'get', { key: id }, 'test') as { version: number }).version, 1, `${id} ran once`);
        }
      }
      await assertOneCertifiedHistory(subnets);
    } finally {
      await child?.kill();
      await replicas.close();
      await etcd.stop();
    }
  },
);
