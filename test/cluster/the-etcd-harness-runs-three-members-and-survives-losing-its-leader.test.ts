import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import type { Etcd3 } from 'etcd3';
import { connectEtcd } from '../../src/subnet/cluster/etcd-client.ts';
import { type EtcdCluster, startEtcdCluster } from '../fixtures/etcd-cluster.ts';

/**
 * A client of only the members named, so each write shows the cluster going on with the
 * members that are up; how the client itself steps past a dead or frozen member (a deadline,
 * then another member) is the node's concern, proven by the replica fault tests.
 */
function clientOf(etcd: EtcdCluster, names: readonly string[]): Promise<Etcd3> {
  return connectEtcd(etcd.members.filter((m) => names.includes(m.name)).map((m) => new URL(m.clientUrl).host));
}

test('the etcd harness runs three members, survives a kill -9 of the leader and a stopped follower, and cleans up', async () => {
  const etcd = await startEtcdCluster('harness');
  const clients: Etcd3[] = [];
  const connect = async (names: readonly string[]) => {
    const client = await clientOf(etcd, names);
    clients.push(client);
    return client;
  };
  const names = etcd.members.map((m) => m.name);
  try {
    assert.equal(etcd.members.length, 3);
    await (await connect(names)).put('before').value('1');

    const leader = await etcd.waitForLeader();
    await etcd.signal(leader, 'SIGKILL');
    // Two of three remain: a new leader is elected and writes go on.
    const next = await etcd.waitForLeader({ not: leader });
    assert.notEqual(next, leader);
    await (await connect(names.filter((name) => name !== leader))).put('after').value('2');

    await etcd.restart(leader);
    const follower = names.find((name) => name !== next) as string;
    await etcd.signal(follower, 'SIGSTOP');
    await (await connect(names.filter((name) => name !== follower))).put('while-stopped').value('3');
    await etcd.signal(follower, 'SIGCONT');
    await etcd.waitHealthy();

    // The stopped follower caught up: read through it alone, every write is there.
    const caughtUp = await connect([follower]);
    assert.equal(await caughtUp.get('before').string(), '1');
    assert.equal(await caughtUp.get('after').string(), '2');
    assert.equal(await caughtUp.get('while-stopped').string(), '3');
  } finally {
    for (const client of clients) client.close();
    await etcd.stop();
  }
  assert.equal(existsSync(etcd.dir), false);
  assert.ok(etcd.members.every((m) => m.process === undefined));
});
