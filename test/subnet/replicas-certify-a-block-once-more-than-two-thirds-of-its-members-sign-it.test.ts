import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import {
  type Certificate,
  type Checkpoint,
  type Command,
  checkpointHash,
  InProcessChannel,
  type LogBlock,
  signCheckpoint,
  verifyCertificate,
} from '../../src/subnet/index.ts';
import {
  deliverVotes,
  genesisCommands,
  genesisFor,
  nodeKeys,
  type Replica,
  SUBNET,
  startReplica,
} from '../fixtures/certifying-replicas.ts';
import { chainBlocks, kvPut } from '../fixtures/chain-blocks.ts';

const { keys, governance, dispose } = nodeKeys(5);
const members = keys.slice(0, 4);
const outsider = keys[4] as (typeof keys)[number];
after(dispose);

const put = (id: string, key: string, value: string): Command => kvPut(id, key, value, 2_000);

/** Registry blocks admitting the four members, then one kv block per put. */
function history(puts: Command[]): LogBlock[] {
  return chainBlocks(SUBNET, [...genesisCommands(genesisFor(members, governance)), ...puts.map((command) => [command])]);
}

function fourReplicas(): { channel: InProcessChannel; replicas: Replica[]; close(): void } {
  const channel = new InProcessChannel();
  const replicas = members.map((key) => startReplica(key, channel));
  return {
    channel,
    replicas,
    close: () => {
      for (const replica of replicas) replica.close();
    },
  };
}

function certificateOf(replica: Replica, block: number): Certificate | undefined {
  return replica.executor.certificate(block);
}

test('four replicas certify every block once three of its four members signed the same checkpoint', async () => {
  const { replicas, close } = fourReplicas();
  try {
    const blocks = history([put('p1', 'a', '1'), put('p2', 'b', '2')]);
    for (const replica of replicas) replica.apply(blocks);
    await deliverVotes();
    const last = blocks.length;
    const reference = certificateOf(replicas[0] as Replica, last);
    assert.ok(reference, 'the last block is certified');
    for (const replica of replicas) {
      const certificate = certificateOf(replica, last);
      assert.ok(certificate);
      assert.deepEqual(certificate.checkpoint, reference.checkpoint, 'every replica certifies the same checkpoint');
      assert.ok(certificate.signatures.length >= 3, `a quorum of 4 is 3, got ${certificate.signatures.length}`);
      assert.deepEqual(certificate.members, members.map((key) => key.id).sort());
      assert.deepEqual(verifyCertificate(certificate, SUBNET).problems, []);
      assert.deepEqual(replica.divergences, []);
    }
    // Before the registry had a member nobody could certify; once it had one, that one sufficed.
    assert.equal(certificateOf(replicas[0] as Replica, 1), undefined, 'the block that created the registry has no members to certify it');
    assert.deepEqual(
      certificateOf(replicas[0] as Replica, 2)?.signatures.map((s) => s.node),
      [members[0]?.id],
    );
  } finally {
    close();
  }
});

test('two of four members are no quorum: the block waits for a third signature', async () => {
  const { replicas, close } = fourReplicas();
  try {
    const blocks = history([put('p1', 'a', '1')]);
    const last = blocks.length;
    for (const replica of replicas) replica.apply(blocks.slice(0, -1));
    for (const replica of replicas.slice(0, 2)) replica.apply(blocks.slice(-1));
    await deliverVotes();
    for (const replica of replicas.slice(0, 2)) assert.equal(certificateOf(replica, last), undefined, 'two signatures certify nothing');
    (replicas[2] as Replica).apply(blocks.slice(-1));
    await deliverVotes();
    for (const replica of replicas.slice(0, 3)) assert.equal(certificateOf(replica, last)?.signatures.length, 3);
    // The fourth replica, still behind, certifies the block once it has applied it itself.
    assert.equal(certificateOf(replicas[3] as Replica, last), undefined);
    (replicas[3] as Replica).apply(blocks.slice(-1));
    assert.equal(certificateOf(replicas[3] as Replica, last)?.signatures.length, 4, 'the three votes it held count, with its own');
  } finally {
    close();
  }
});

test('votes of non-members, forged signatures and repeated votes count for nothing', async () => {
  const { channel, replicas, close } = fourReplicas();
  try {
    const blocks = history([put('p1', 'a', '1')]);
    const last = blocks.length;
    for (const replica of replicas) replica.apply(blocks.slice(0, -1));
    for (const replica of replicas.slice(0, 2)) replica.apply(blocks.slice(-1));
    const checkpoint = replicas[0]?.executor.checkpoint(last)?.checkpoint as Checkpoint;
    await channel.publish({ checkpoint, signature: signCheckpoint(checkpoint, outsider) });
    const forged = signCheckpoint(checkpoint, outsider);
    await channel.publish({ checkpoint, signature: { node: members[2]?.id as string, signature: forged.signature } });
    const own = replicas[1]?.executor.checkpoint(last);
    assert.ok(own?.signature);
    await channel.publish({ checkpoint, signature: own.signature });
    await deliverVotes();
    for (const replica of replicas.slice(0, 2)) assert.equal(certificateOf(replica, last), undefined);
  } finally {
    close();
  }
});

test('a replica whose state differs learns it from the quorum, with both signed checkpoints', async () => {
  const { replicas, close } = fourReplicas();
  try {
    const blocks = history([put('p1', 'a', '1'), put('p2', 'a', '2')]);
    const last = blocks.length;
    for (const replica of replicas) replica.apply(blocks.slice(0, -1));
    await deliverVotes();
    // A flipped value in one replica's database (its digest not told): the next write to the row exposes it.
    const odd = replicas[3] as Replica;
    odd.db.prepare("UPDATE app_kv__entries SET value = 'flipped' WHERE key = 'a'").run();
    for (const replica of replicas) replica.apply(blocks.slice(-1));
    await deliverVotes();
    const quorum = certificateOf(replicas[0] as Replica, last);
    assert.ok(quorum);
    assert.equal(quorum.signatures.length, 3, 'the three agreeing replicas certify');
    assert.ok(!quorum.signatures.some((s) => s.node === odd.key.id));
    for (const replica of replicas.slice(0, 3)) assert.deepEqual(replica.divergences, []);
    assert.equal(odd.divergences.length, 1);
    const [divergence] = odd.divergences;
    assert.equal(divergence?.block, last);
    assert.notEqual(divergence?.own.digest, divergence?.certificate.checkpoint.digest);
    assert.deepEqual(certificateOf(odd, last)?.checkpoint, quorum.checkpoint, 'it keeps the quorum certificate, not its own');
  } finally {
    close();
  }
});

test('a block never gets a second certificate, even if a quorum later signs another checkpoint for it', async () => {
  const { channel, replicas, close } = fourReplicas();
  try {
    const blocks = history([put('p1', 'a', '1')]);
    const last = blocks.length;
    for (const replica of replicas) replica.apply(blocks);
    await deliverVotes();
    const first = certificateOf(replicas[0] as Replica, last);
    assert.ok(first);
    const other: Checkpoint = { ...first.checkpoint, digest: '0'.repeat(64) };
    for (const key of members) await channel.publish({ checkpoint: other, signature: signCheckpoint(other, key) });
    await deliverVotes();
    for (const replica of replicas) {
      assert.equal(checkpointHash(certificateOf(replica, last)?.checkpoint as Checkpoint), checkpointHash(first.checkpoint));
      assert.deepEqual(replica.divergences, []);
    }
  } finally {
    close();
  }
});
