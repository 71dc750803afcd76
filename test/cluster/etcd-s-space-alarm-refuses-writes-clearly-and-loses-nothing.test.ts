import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectEtcd, type Subnet } from '../../src/subnet/index.ts';
import { startEtcdCluster } from '../fixtures/etcd-cluster.ts';
import { startReplicas } from '../fixtures/etcd-replicas.ts';

const QUOTA = 16 * 1024 * 1024;

test("etcd's space alarm refuses writes with a clear error, loses nothing acknowledged, and writes resume once an operator frees space", async () => {
  const etcd = await startEtcdCluster('space', { quotaBackendBytes: QUOTA });
  const replicas = await startReplicas(etcd, 2);
  const client = await connectEtcd(etcd.endpoints);
  try {
    const [a, b] = replicas.subnets as [Subnet, Subnet];
    const acknowledged = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        a.submit({ app: 'kv', method: 'put', caller: 'test', args: { key: `before-${i}`, value: `${i}` } }),
      ),
    );
    assert.ok(acknowledged.every((r) => r.ok));
    // Another tenant of etcd fills it up until etcd raises its NOSPACE alarm.
    const filler = Buffer.alloc(1024 * 1024, 7);
    for (let i = 0; i < 64; i++) {
      const full = await client
        .put(`/filler/${i}`)
        .value(filler)
        .then(() => false)
        .catch((error: Error) => /database space exceeded/.test(error.message));
      if (full) break;
    }
    await assert.rejects(
      b.submit({ id: 'refused-while-full', app: 'kv', method: 'put', caller: 'test', args: { key: 'during', value: 'x' } }),
      /space quota is full \(NOSPACE alarm\)/,
    );
    await replicas.settle();
    for (const subnet of [a, b]) {
      assert.equal(subnet.failed, undefined, 'the replica still serves');
      for (const result of acknowledged) assert.deepEqual(subnet.result(result.id), result);
      assert.equal(subnet.query('kv', 'get', { key: 'during' }, 'test'), null);
    }

    // The operator frees space: delete, compact, defragment every member, disarm the alarm.
    await client.delete().prefix('/filler/');
    const { header } = await client.get('anything').exec();
    await client.kv.compact({ revision: header.revision, physical: true });
    for (const endpoint of etcd.endpoints) {
      const member = await connectEtcd([endpoint]);
      await member.maintenance.defragment().finally(() => member.close());
    }
    const { alarms } = await client.maintenance.alarm({ action: 'Get', memberID: 0, alarm: 'None' });
    for (const raised of alarms) await client.maintenance.alarm({ action: 'Deactivate', memberID: raised.memberID, alarm: raised.alarm });
    const retried = await b.submit({
      id: 'refused-while-full',
      app: 'kv',
      method: 'put',
      caller: 'test',
      args: { key: 'during', value: 'x' },
    });
    assert.equal(retried.ok, true, 'the same command id, submitted again, runs once space is free');
  } finally {
    client.close();
    await replicas.close();
    await etcd.stop();
  }
});
