import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Certificate, SubmitRequest, Subnet } from '../../src/subnet/index.ts';
import { assertOneRegisterChain, CLIENT_DEADLINE_MS, casUnderFault, newRegisterWorkload } from '../fixtures/cas-register.ts';
import {
  answerWithin,
  assertOneCertifiedHistory,
  delay,
  getJson,
  settleEverywhere,
  startReplicaNode,
  withReplicas,
} from '../fixtures/etcd-replicas.ts';
import { startPartition } from '../fixtures/tcp-proxy.ts';

const TIMEOUT = { timeout: 300_000 };
const PER_CLIENT = 30;
/** How long the fourth replica stays cut off. */
const CUT_MS = 6000;
/** The cut-off replica's index: it reaches etcd only through the proxies. */
const CUT = 3;

const put = (id: string): SubmitRequest => ({ id, app: 'kv', method: 'put', caller: 'test', args: { key: id, value: id } });

/**
 * Four replicas; the fourth, a whole node, reaches the three etcd members only through TCP
 * proxies. Under a compare-and-set load from a client on every replica, the proxies reset
 * every connection and every new one for 6 s. While cut off, the fourth replica answers
 * nothing it is asked to write (its clients time out: unknown outcomes), it stays up, its
 * health says 503 cut_off and shows its log and certificates behind, while the other three go on ordering
 * and certifying (three of four is more than two thirds). Restored, it catches up by itself;
 * every unknown outcome is settled by its id, every replica ran every command once, to one
 * certified history, and the rejoined node serves certificates again.
 */
test(
  'a replica cut off from etcd under load for several seconds: its writes go unanswered and it stays up while three of four keep certifying; rejoined, it catches up, runs everything once, to the same digest, and certifies again',
  TIMEOUT,
  (t) =>
    withReplicas('cut-off', 4, async (replicas, etcd) => {
      const partition = await startPartition(etcd.endpoints);
      const node = await startReplicaNode(replicas, CUT, partition.endpoints);
      try {
        const subnets = replicas.subnets as Subnet[];
        const [first] = subnets as [Subnet];
        const cutOff = node.subnet;
        const workload = newRegisterWorkload();
        await casUnderFault(workload, subnets, 'cut', PER_CLIENT, async () => {
          partition.cut();
          const cutAt = Date.now();
          const stranded = put('written-while-cut-off');
          await assert.rejects(answerWithin(cutOff.submit(stranded), CLIENT_DEADLINE_MS), /no answer within/);
          workload.unknown.set(stranded.id as string, { subnet: cutOff, request: stranded });

          const during = await first.submit(put('written-by-the-others-meanwhile'));
          assert.ok(await first.waitForCertificate(during.block, 20_000), 'three of four replicas certify without the fourth');
          const health = await getJson(`${node.url}/_watan/v1/health`);
          // Up and answering, but 503 cut_off, so that a load balancer sends writes elsewhere.
          assert.equal(health.status, 503, JSON.stringify(health.body));
          assert.equal(health.body.status, 'cut_off');
          assert.match(health.body.error as string, /cannot reach the cluster's etcd/);
          const metrics = await fetch(`${node.url}/metrics`).then((answer) => answer.text());
          assert.match(metrics, /^watan_log_reachable 0$/m);
          assert.ok((health.body.log_height as number) < during.height, `its log stays behind: ${JSON.stringify(health.body)}`);
          assert.ok((health.body.certified_block as number) < during.block, 'and so do its certificates');
          await delay(CUT_MS - (Date.now() - cutAt));
          partition.restore();
        });
        const unknown = workload.unknown.size;
        const strandedThere = [...workload.unknown.values()].filter(({ subnet }) => subnet === cutOff).length;
        assert.ok(strandedThere > 1, "the cut-off replica's clients heard nothing while it was cut off");
        await settleEverywhere(workload, replicas);

        // Rejoined, it says so, takes writes again, certifies them and serves the certificate.
        const healthy = await getJson(`${node.url}/_watan/v1/health`);
        assert.equal(healthy.status, 200, JSON.stringify(healthy.body));
        assert.equal(healthy.body.status, 'ok');
        assert.match(await fetch(`${node.url}/metrics`).then((answer) => answer.text()), /^watan_log_reachable 1$/m);
        const after = await cutOff.submit(put('written-after-rejoining'));
        assert.ok(after.ok);
        await replicas.settle();
        assert.ok(await cutOff.waitForCertificate(after.block, 30_000), 'the rejoined replica holds a quorum certificate again');
        const served = await getJson(`${node.url}/_watan/v1/checkpoint?block=${after.block}`);
        assert.equal(served.status, 200, JSON.stringify(served.body));
        assert.deepEqual((served.body as unknown as Certificate).checkpoint, first.certificate(after.block)?.checkpoint);

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
        await node.close();
        await partition.close();
      }
    }),
);
