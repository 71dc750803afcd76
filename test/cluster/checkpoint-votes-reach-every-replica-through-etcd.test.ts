import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  type Checkpoint,
  connectEtcd,
  EtcdCertificationChannel,
  loadOrCreateSigningKey,
  signCheckpoint,
  votesPrefix,
} from '../../src/subnet/index.ts';
import { startEtcdCluster } from '../fixtures/etcd-cluster.ts';

interface Vote {
  checkpoint: Checkpoint;
  signature: { node: string; signature: string };
}

function checkpoint(block: number): Checkpoint {
  const hash = '00'.repeat(32);
  return {
    subnet: 'votes',
    block,
    firstHeight: block,
    height: block,
    time: 0,
    digest: hash,
    logHead: hash,
    resultsRoot: hash,
    membership: hash,
    previous: hash,
  };
}

/** Resolves once `votes` holds `count` votes. */
async function until(votes: Vote[], count: number): Promise<void> {
  for (let i = 0; i < 500 && votes.length < count; i++) await new Promise((resolve) => setTimeout(resolve, 20));
}

test('a vote published by one replica reaches every subscriber, also one that subscribes later; values that are not votes are not delivered', async () => {
  const etcd = await startEtcdCluster('votes');
  const dir = mkdtempSync(join(tmpdir(), 'watan-votes-'));
  const channels = await Promise.all([0, 1, 2].map(() => EtcdCertificationChannel.open(etcd.endpoints, 'votes')));
  const raw = await connectEtcd(etcd.endpoints);
  try {
    const [a, b, c] = channels as [EtcdCertificationChannel, EtcdCertificationChannel, EtcdCertificationChannel];
    const keyA = loadOrCreateSigningKey(join(dir, 'a.key'));
    const keyB = loadOrCreateSigningKey(join(dir, 'b.key'));
    const heardByA: Vote[] = [];
    const stopA = a.subscribe((vote) => heardByA.push(vote));
    const first = { checkpoint: checkpoint(1), signature: signCheckpoint(checkpoint(1), keyB) };
    await b.publish(first);
    await raw.put(`${votesPrefix('votes')}0000000000000001/garbage`).value('not a vote');
    await until(heardByA, 1);
    assert.deepEqual(heardByA, [first]);

    const heardByC: Vote[] = [];
    c.subscribe((vote) => heardByC.push(vote));
    const second = { checkpoint: checkpoint(1), signature: signCheckpoint(checkpoint(1), keyA) };
    stopA();
    await a.publish(second);
    await until(heardByC, 2);
    assert.deepEqual(heardByC, [first, second], 'a late subscriber reads earlier votes, then new ones');
    await b.publish({ checkpoint: checkpoint(2), signature: signCheckpoint(checkpoint(2), keyB) });
    await until(heardByC, 3);
    assert.equal(heardByC.length, 3);
    assert.deepEqual(heardByA, [first], 'an unsubscribed listener hears nothing more');
  } finally {
    await Promise.all(channels.map((channel) => channel.close()));
    raw.close();
    await etcd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
