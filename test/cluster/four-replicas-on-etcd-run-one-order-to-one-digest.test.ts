import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type CommandResult, EtcdLog, loadOrCreateSigningKey, SqliteLog, type Subnet } from '../../src/subnet/index.ts';
import { type EtcdCluster, startEtcdCluster } from '../fixtures/etcd-cluster.ts';
import { assertOneCertifiedHistory, type Replicas, startReplicas } from '../fixtures/etcd-replicas.ts';

let etcd: EtcdCluster;
let replicas: Replicas;
before(async () => {
  etcd = await startEtcdCluster('four');
  replicas = await startReplicas(etcd, 4);
});
after(async () => {
  await replicas?.close();
  await etcd?.stop();
});

function open(): Subnet[] {
  return replicas.subnets.filter((s): s is Subnet => s !== undefined);
}

test('four replicas proposing at once execute one order: every acknowledged command once, everywhere, with the same digest at every block', async () => {
  const submitted: { id: string; result: CommandResult }[] = [];
  await Promise.all(
    open().map(async (subnet, r) => {
      const results = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          subnet.submit({ app: 'kv', method: 'put', caller: 'test', args: { key: `k${i % 7}`, value: `r${r}-${i}` } }),
        ),
      );
      for (const result of results) submitted.push({ id: result.id, result });
    }),
  );
  await replicas.settle();
  for (const subnet of open()) {
    for (const { id, result } of submitted) assert.deepEqual(subnet.result(id), result, `command ${id} on ${subnet.nodeKey.id}`);
  }
  const heights = new Set(submitted.map(({ result }) => result.height));
  assert.equal(heights.size, submitted.length, 'each command ran at its own height');
  await assertOneCertifiedHistory(open());
});

test('a replica that restarts resumes from its mirror and catches up with what was ordered while it was down', async () => {
  const down = replicas.subnets[3] as Subnet;
  const revisionBefore = down.logHeight;
  await down.close();
  replicas.subnets[3] = undefined;
  await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      (replicas.subnets[i % 3] as Subnet).submit({ app: 'kv', method: 'put', caller: 'test', args: { key: `down-${i}`, value: 'v' } }),
    ),
  );
  const back = await replicas.open(3);
  assert.ok(back.logHeight > revisionBefore);
  await replicas.settle();
  await assertOneCertifiedHistory(open());
  assert.deepEqual(back.query('kv', 'get', { key: 'down-39' }, 'test'), { value: 'v', version: 1 });
});

test('a fresh mirror reads the whole history in pages and arrives at the same chain as the replicas', async () => {
  // One command at a time: a block each, so that history is longer than one page.
  const proposer = replicas.subnets[0] as Subnet;
  for (let i = 0; i < 40; i++)
    await proposer.submit({ app: 'kv', method: 'put', caller: 'test', args: { key: 'one-by-one', value: `${i}` } });
  const dir = mkdtempSync(join(tmpdir(), 'watan-late-reader-'));
  const log = await EtcdLog.open({
    endpoints: etcd.endpoints,
    path: join(dir, 'log.sqlite'),
    subnetId: replicas.subnetId,
    nodeKey: loadOrCreateSigningKey(join(dir, 'node.key')),
  });
  try {
    await replicas.settle();
    const reference = new SqliteLog(join(replicas.dirs[0] as string, 'log.sqlite'), replicas.subnetId, { readonly: true });
    try {
      assert.ok(log.head().block > 32, `history of ${log.head().block} blocks spans several pages`);
      assert.deepEqual(log.head(), reference.head());
      assert.equal(log.verifyChain(), null);
    } finally {
      reference.close();
    }
  } finally {
    log.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
