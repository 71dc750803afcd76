import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CommandResult, Subnet } from '../../src/subnet/index.ts';
import { startEtcdCluster } from '../fixtures/etcd-cluster.ts';
import { assertOneCertifiedHistory, startReplicas } from '../fixtures/etcd-replicas.ts';

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
      const acknowledged = new Map<string, CommandResult>();
      const unknown: { subnet: Subnet; request: Parameters<Subnet['submit']>[0] }[] = [];
      let sent = 0;
      let killed: Promise<void> | undefined;
      await Promise.all(
        subnets.map(async (subnet, w) => {
          for (let i = 0; i < PER_WRITER; i++) {
            const request = { id: `w${w}-${i}`, app: 'kv', method: 'put', caller: 'test', args: { key: `w${w}-${i}`, value: `${i}` } };
            sent += 1;
            // A quarter of the way in, the leader dies mid-stream.
            if (sent === PER_WRITER && !killed) killed = etcd.leader().then((leader) => etcd.signal(leader, 'SIGKILL'));
            try {
              acknowledged.set(request.id, await subnet.submit(request));
            } catch {
              unknown.push({ subnet, request }); // a timeout is an unknown outcome, settled below by its id
            }
          }
        }),
      );
      await killed;
      // Settle every unknown outcome by submitting the same id again: it runs at most once.
      for (const { subnet, request } of unknown) acknowledged.set(request.id as string, await subnet.submit(request));
      assert.equal(acknowledged.size, 4 * PER_WRITER);
      await replicas.settle();
      for (const subnet of subnets) {
        for (const [id, result] of acknowledged) {
          assert.deepEqual(subnet.result(id), result, `${id} on ${subnet.nodeKey.id}`);
          assert.equal((subnet.query('kv', 'get', { key: id }, 'test') as { version: number }).version, 1, `${id} ran once`);
        }
      }
      await assertOneCertifiedHistory(subnets);
    } finally {
      await replicas.close();
      await etcd.stop();
    }
  },
);
