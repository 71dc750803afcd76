import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { connectEtcd } from '../../src/subnet/cluster/etcd-client.ts';
import { startEtcdCluster } from '../fixtures/etcd-cluster.ts';

test('the etcd harness runs three members, survives a kill -9 of the leader and a stopped follower, and cleans up', async () => {
  const etcd = await startEtcdCluster('harness');
  const client = await connectEtcd(etcd.endpoints);
  try {
    assert.equal(etcd.members.length, 3);
    await client.put('before').value('1');
    const leader = await etcd.leader();
    await etcd.signal(leader, 'SIGKILL');
    // Two of three remain: a new leader is elected and writes go on.
    let next = '';
    for (let i = 0; i < 100 && !next; i++) next = await etcd.leader().catch(() => '');
    assert.notEqual(next, leader);
    await client.put('after').value('2');
    await etcd.restart(leader);
    const follower = etcd.members.find((m) => m.name !== next)?.name as string;
    await etcd.signal(follower, 'SIGSTOP');
    await client.put('while-stopped').value('3');
    await etcd.signal(follower, 'SIGCONT');
    await etcd.waitHealthy();
    assert.equal(await client.get('before').string(), '1');
    assert.equal(await client.get('after').string(), '2');
    assert.equal(await client.get('while-stopped').string(), '3');
  } finally {
    client.close();
    await etcd.stop();
  }
  assert.equal(existsSync(etcd.dir), false);
  assert.ok(etcd.members.every((m) => m.process === undefined));
});
