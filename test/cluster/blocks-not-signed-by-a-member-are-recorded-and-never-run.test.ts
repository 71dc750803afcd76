import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Etcd3 } from 'etcd3';
import {
  type AppliedBlock,
  approve,
  auditDataDir,
  blockKey,
  type Command,
  connectEtcd,
  coreApps,
  encodeCommand,
  encodeProposedBlock,
  loadOrCreateSigningKey,
  proposalSigningBytes,
  type RegistryView,
  removalBytes,
  type SigningKey,
  SqliteLog,
  type Subnet,
  signProposal,
} from '../../src/subnet/index.ts';
import { type EtcdCluster, startEtcdCluster } from '../fixtures/etcd-cluster.ts';
import { assertOneCertifiedHistory, type Replicas, startReplicas } from '../fixtures/etcd-replicas.ts';

let etcd: EtcdCluster;
let replicas: Replicas;
let client: Etcd3;
let stranger: SigningKey;
let strangerDir: string;
const refusals: AppliedBlock['refused'][][] = [];

before(async () => {
  etcd = await startEtcdCluster('refusals');
  replicas = await startReplicas(etcd, 3);
  client = await connectEtcd(etcd.endpoints);
  strangerDir = mkdtempSync(join(tmpdir(), 'watan-stranger-'));
  stranger = loadOrCreateSigningKey(join(strangerDir, 'node.key'));
  for (const [i, subnet] of replicas.subnets.entries()) {
    refusals[i] = [];
    subnet?.onApplied((blocks) => {
      for (const block of blocks) if (block.refused) refusals[i]?.push(block.refused);
    });
  }
});
after(async () => {
  client?.close();
  await replicas?.close();
  await etcd?.stop();
  rmSync(strangerDir, { recursive: true, force: true });
});

function replica(i: number): Subnet {
  return replicas.subnets[i] as Subnet;
}

function kvPut(id: string, key: string): Command {
  return { id, app: 'kv', method: 'put', caller: 'test', args: { key, value: 'forged' }, time: Date.now() };
}

/** Waits until every replica has mirrored and applied what etcd holds, by ordering one honest command through each. */
async function syncAll(): Promise<void> {
  for (const subnet of replicas.subnets)
    if (subnet) await subnet.submit({ app: 'kv', method: 'put', caller: 'test', args: { key: 'sync', value: 'x' } });
  await replicas.settle();
}

test('a well-signed block from a node the registry does not admit is recorded on every replica, and never run', async () => {
  const command = kvPut('stranger-1', 'stranger');
  const bytes = [encodeCommand(command)];
  await client
    .put(blockKey(replicas.subnetId, stranger.id, 1))
    .value(encodeProposedBlock(signProposal(stranger, replicas.subnetId, 1, bytes), bytes));
  await syncAll();
  for (const [i, subnet] of replicas.subnets.entries()) {
    assert.equal(subnet?.query('kv', 'get', { key: 'stranger' }, 'test'), null);
    assert.equal(subnet?.result('stranger-1'), undefined, 'the refused command claimed no id');
    assert.ok(refusals[i]?.some((r) => r?.proposer === stranger.id && /not a member/.test(r.reason)));
  }
  // The same command ordered by a member runs: the refusal did not use up its id.
  const result = await replica(0).submit({ ...command, id: command.id });
  assert.equal(result.ok, true);
});

test("a block under a member's name without that member's signature is refused on every replica", async () => {
  const member = replicas.keys[1] as SigningKey;
  const bytes = [encodeCommand(kvPut('forged-1', 'forged'))];
  const proposal = {
    proposer: member.id,
    sequence: 900_001,
    signature: stranger.sign(proposalSigningBytes(replicas.subnetId, member.id, 900_001, bytes)),
  };
  await client.put(blockKey(replicas.subnetId, member.id, 900_001)).value(encodeProposedBlock(proposal, bytes));
  await syncAll();
  for (const [i, subnet] of replicas.subnets.entries()) {
    assert.equal(subnet?.query('kv', 'get', { key: 'forged' }, 'test'), null);
    assert.ok(refusals[i]?.some((r) => r?.proposer === member.id && /valid signature/.test(r.reason)));
  }
});

test('a malformed value under the block prefix is passed over, identically, by every replica, and recorded with why', async () => {
  const member = replicas.keys[2] as SigningKey;
  // Under the very key the member will write its next block to: it finds the key taken by bytes
  // it did not write, and proposes under its next sequence number instead.
  const own = new SqliteLog(join(replicas.dirs[2] as string, 'log.sqlite'), replicas.subnetId, { readonly: true });
  const next = own.lastSequenceOf(member.id) + 1;
  own.close();
  await client.put(blockKey(replicas.subnetId, member.id, next)).value('not a block at all');
  const after = await replica(2).submit({ app: 'kv', method: 'put', caller: 'test', args: { key: 'after-squatting', value: 'x' } });
  assert.equal(after.ok, true);
  await client.put(`${blockKey(replicas.subnetId, member.id, 1).slice(0, -17)}/no-sequence`).value('x');
  await syncAll();
  const heads = [];
  for (const dir of replicas.dirs) {
    const mirror = new SqliteLog(join(dir, 'log.sqlite'), replicas.subnetId, { readonly: true });
    try {
      const skipped = mirror.skippedProposals();
      assert.equal(skipped.length, 2);
      assert.match(skipped[0]?.reason as string, /not a Watan block/);
      assert.match(skipped[1]?.reason as string, /does not name a proposer/);
      heads.push(mirror.head());
    } finally {
      mirror.close();
    }
  }
  assert.deepEqual(heads[1], heads[0]);
  assert.deepEqual(heads[2], heads[0]);
  // The mirror, refused blocks and all, is certified by a quorum and audits clean: chain,
  // replay, digests and certificates match.
  await assertOneCertifiedHistory(replicas.subnets as Subnet[]);
  for (const dir of replicas.dirs) assert.deepEqual(auditDataDir(dir, coreApps).findings, []);
});

test('a node removed by governance has its later proposals refused, and is told so', async () => {
  const removed = replicas.keys[2] as SigningKey;
  const view = replica(0).query('registry', 'view', {}, 'system') as RegistryView;
  const approvals = [approve(replicas.governance, removalBytes(replicas.subnetId, view.epoch, removed.id))];
  const removal = await replica(0).submit({ app: 'registry', method: 'remove', caller: 'system', args: { nodeId: removed.id, approvals } });
  assert.equal(removal.ok, true, JSON.stringify(removal));
  await replicas.settle();
  const attempt = await replica(2).submit({ app: 'kv', method: 'put', caller: 'test', args: { key: 'after-removal', value: 'x' } });
  assert.equal(attempt.ok, false);
  assert.equal(attempt.ok ? '' : attempt.error.code, 'REFUSED_BLOCK');
  await syncAll().catch(() => undefined);
  await replicas.settle();
  for (const subnet of replicas.subnets) assert.equal(subnet?.query('kv', 'get', { key: 'after-removal' }, 'test'), null);
});

test('a command larger than a block is refused with a clear error, and a burst larger than one etcd request is split into blocks', async () => {
  const huge = 'x'.repeat(1_200_000);
  await assert.rejects(
    replica(0).submit({ app: 'kv', method: 'put', caller: 'test', args: { key: 'huge', value: huge } }),
    /a block in etcd holds at most/,
  );
  const medium = 'y'.repeat(60_000);
  const before = replica(0).latestCertificate()?.checkpoint.block as number;
  const results = await Promise.all(
    Array.from({ length: 60 }, (_, i) =>
      replica(0).submit({ app: 'kv', method: 'put', caller: 'test', args: { key: `medium-${i}`, value: medium } }),
    ),
  );
  assert.ok(results.every((r) => r.ok));
  assert.ok(new Set(results.map((r) => r.block)).size >= 3, '3.6 MB of commands took at least three blocks');
  assert.ok(await replica(0).waitForCertificate(Math.max(...results.map((r) => r.block)), 30_000), 'the burst is quorum-certified');
  assert.ok((replica(0).latestCertificate()?.checkpoint.block as number) > before);
});
