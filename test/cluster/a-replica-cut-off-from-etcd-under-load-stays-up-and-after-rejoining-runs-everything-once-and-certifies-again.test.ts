import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SubmitRequest, Subnet } from '../../src/subnet/index.ts';
import { assertOneRegisterChain, casUnderFault, newRegisterWorkload } from '../fixtures/cas-register.ts';
import { startEtcdCluster } from '../fixtures/etcd-cluster.ts';
import { answerWithin, assertOneCertifiedHistory, settleUnknown, startReplicas } from '../fixtures/etcd-replicas.ts';
import { startPartition } from '../fixtures/tcp-proxy.ts';

const TIMEOUT = { timeout: 300_000 };
const PER_CLIENT = 30;
const CLIENT_DEADLINE_MS = 2000;
/** How long the fourth replica stays cut off. */
const CUT_MS = 6000;
/** The cut-off replica's index: it reaches etcd only through the proxies. */
const CUT = 3;

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const put = (id: string): SubmitRequest => ({ id, app: 'kv', method: 'put', caller: 'test', args: { key: id, value: id } });

/**
 * Four replicas; the fourth reaches the three etcd members only through TCP proxies. Under a
 * compare-and-set load from a client on every replica, the proxies reset every connection and
 * every new one for 6 s. While cut off, the fourth replica answers nothing it is asked to
 * write (its clients time out: unknown outcomes), it does not stop, and its log and
 * certificates fall behind, while the other three go on ordering and certifying (three of
 * four is more than two thirds). Restored, it catches up by itself; every unknown outcome is
 * settled by its id, and every replica ran every command once, to one certified history.
 */
test(
  'a replica cut off from etcd under load for several seconds: its writes go unanswered and it stays up while three of four keep certifying; rejoined, it catches up, runs everything once, to the same digest, and certifies again',
  TIMEOUT,
  async (t) => {
    const etcd = await startEtcdCluster('cut-off');
    const partition = await startPartition(etcd.endpoints);
    const replicas = await startReplicas(etcd, 4, 4, { endpointsOf: (index) => (index === CUT ? partition.endpoints : etcd.endpoints) });
    const subnets = replicas.subnets as Subnet[];
    const cutOff = subnets[CUT] as Subnet;
    const workload = newRegisterWorkload();
    try {
      await casUnderFault(
        workload,
        subnets,
        'cut',
        PER_CLIENT,
        async () => {
          partition.cut();
          const cutAt = Date.now();
          const stranded = put('written-while-cut-off');
          await assert.rejects(answerWithin(cutOff.submit(stranded), CLIENT_DEADLINE_MS), /no answer within/);
          workload.unknown.set(stranded.id as string, { subnet: cutOff, request: stranded });

          const during = await (subnets[0] as Subnet).submit(put('written-by-the-others-meanwhile'));
          assert.ok(
            await (subnets[0] as Subnet).waitForCertificate(during.block, 20_000),
            'three of four replicas certify without the fourth',
          );
          assert.equal(cutOff.failed, undefined, 'the cut-off replica is still up');
          assert.ok(cutOff.logHeight < during.height, `the cut-off replica's log stays behind (${cutOff.logHeight} < ${during.height})`);
          assert.ok((cutOff.latestCertificate()?.checkpoint.block ?? 0) < during.block, 'and so do its certificates');
          await delay(CUT_MS - (Date.now() - cutAt));
          partition.restore();
        },
        CLIENT_DEADLINE_MS,
      );
      const unknown = workload.unknown.size;
      assert.ok(
        [...workload.unknown.values()].filter(({ subnet }) => subnet === cutOff).length > 1,
        "the cut-off replica's clients heard nothing while it was cut off",
      );
      await settleUnknown(workload);
      await replicas.settle();

      // Rejoined, it takes writes again and certifies them.
      const after = await cutOff.submit(put('written-after-rejoining'));
      assert.ok(after.ok);
      await replicas.settle();
      assert.ok(await cutOff.waitForCertificate(after.block, 30_000), 'the rejoined replica holds a quorum certificate again');

      const history = assertOneRegisterChain(workload, subnets);
      for (const subnet of subnets) {
        for (const id of ['written-while-cut-off', 'written-by-the-others-meanwhile', 'written-after-rejoining']) {
          assert.deepEqual(
            subnet.query('kv', 'get', { key: id }, 'test'),
            { value: id, version: 1 },
            `${id} ran once on ${subnet.nodeKey.id}`,
          );
        }
      }
      await assertOneCertifiedHistory(subnets);
      t.diagnostic(`${workload.attempts.size} attempts, ${history.chain.length} swaps, ${unknown} unknown until settled by id`);
    } finally {
      partition.restore();
      await replicas.close();
      await partition.close();
      await etcd.stop();
    }
  },
);
