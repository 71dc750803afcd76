import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { coreApps, dataFiles, Executor, type LogBlock, SqliteLog, Subnet } from '../../src/subnet/index.ts';
import { probeApp } from '../fixtures/replay-probe-app.ts';

const apps = [...coreApps, probeApp];
const dir = mkdtempSync(join(tmpdir(), 'watan-replay-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function recordHistory(): Promise<void> {
  const subnet = await Subnet.open({ dataDir: dir, apps });
  const work: Promise<unknown>[] = [];
  for (let i = 0; i < 300; i++) {
    const owner = `owner-${i % 7}`;
    if (i % 3 === 0) work.push(subnet.submit({ app: 'kv', method: 'put', args: { key: `k${i % 11}`, value: `v${i}` }, caller: owner }));
    else if (i % 3 === 1)
      work.push(subnet.submit({ app: 'probe', method: 'draw', args: { owner, failAfterWrite: i % 13 === 0 }, caller: owner }));
    else work.push(subnet.submit({ app: 'kv', method: 'delete', args: { key: `k${(i * 5) % 11}` }, caller: owner }));
    if (i % 50 === 0) work.push(subnet.submit({ app: 'probe', method: 'cheat', args: {}, caller: owner }));
    if (i % 40 === 0) await Promise.all(work.splice(0));
  }
  await Promise.all(work);
  await subnet.close();
}

function readAllBlocks(): LogBlock[] {
  const log = new SqliteLog(dataFiles(dir).log, 'watan-dev', { readonly: true });
  try {
    return log.readFromSync(0, 1_000_000);
  } finally {
    log.close();
  }
}

function replay(blocks: LogBlock[], blocksPerTransaction: number): Executor {
  const executor = new Executor({ db: new Database(':memory:'), subnetId: 'watan-dev', apps });
  for (let i = 0; i < blocks.length; i += blocksPerTransaction) executor.applyBlocks(blocks.slice(i, i + blocksPerTransaction));
  return executor;
}

test('two fresh replicas replaying one log agree on the digest after every command', async () => {
  await recordHistory();
  const blocks = readAllBlocks();
  assert.ok(blocks.length > 5, 'the history should span several blocks');
  const one = replay(blocks, 1).resultsFrom(0);
  const two = replay(blocks, 32).resultsFrom(0);
  assert.equal(one.length, 300 + 6);
  assert.equal(two.length, one.length);
  for (const [i, a] of one.entries()) {
    const b = two[i];
    assert.ok(b);
    assert.equal(a.height, b.height);
    assert.ok(a.digest.equals(b.digest), `digests diverge after command ${a.id} at height ${a.height}`);
    assert.equal(a.body, b.body, `results diverge at height ${a.height}`);
  }
});

test('a replay reproduces the original node’s digests, results and certified checkpoints', () => {
  const blocks = readAllBlocks();
  const replica = replay(blocks, 4);
  const stateDb = new Database(dataFiles(dir).state, { readonly: true });
  try {
    const original = new Executor({ db: stateDb, subnetId: 'watan-dev', apps });
    const recorded = original.resultsFrom(0);
    const replayed = replica.resultsFrom(0);
    assert.deepEqual(
      replayed.map((r) => [r.height, r.body, r.digest.toString('hex')]),
      recorded.map((r) => [r.height, r.body, r.digest.toString('hex')]),
    );
    const last = blocks.at(-1)?.block as number;
    const { checkpoint: certified } = original.checkpoint(last) ?? assert.fail('the original checkpointed its last block');
    const { checkpoint: reproduced } = replica.checkpoint(last) ?? assert.fail('the replay checkpointed its last block');
    assert.deepEqual(reproduced, certified);
    assert.ok(replica.scanDigest().equals(replica.currentDigest()), 'the incremental digest equals a full scan');
  } finally {
    stateDb.close();
  }
});

test('an app that reads the wall clock fails deterministically instead of forking replicas', () => {
  const replica = replay(readAllBlocks(), 8);
  const cheats = replica
    .resultsFrom(0)
    .map((r) => JSON.parse(r.body) as { ok: boolean; error?: { code: string; message: string } })
    .filter((r) => r.error?.code === 'NONDETERMINISTIC');
  assert.equal(cheats.length, 6);
  assert.match(cheats[0]?.error?.message ?? '', /Date\.now\(\) is not allowed in app code/);
  assert.equal(typeof Date.now(), 'number', 'the guard is lifted once the executor returns');
});

test('a command that fails after writing leaves no trace in state or digest', () => {
  const replica = replay(readAllBlocks(), 2);
  const failed = replica.resultsFrom(0).filter((r) => (JSON.parse(r.body) as { error?: { code: string } }).error?.code === 'REFUSED');
  assert.ok(failed.length > 0);
  for (const result of failed) {
    const before = replica.resultsFrom(result.height - 2).find((r) => r.height === result.height - 1);
    assert.ok(before, 'the command before it exists');
    assert.ok(result.digest.equals(before.digest), `the digest moved across the refused command at height ${result.height}`);
  }
});
