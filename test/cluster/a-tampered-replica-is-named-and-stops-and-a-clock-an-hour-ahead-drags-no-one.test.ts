import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import {
  type Certificate,
  DivergenceError,
  dataFiles,
  MAX_CLOCK_STEP_MS,
  type Subnet,
  UntrustedDataError,
} from '../../src/subnet/index.ts';
import { type EtcdCluster, startEtcdCluster } from '../fixtures/etcd-cluster.ts';
import { assertOneCertifiedHistory, type Replicas, startReplicas } from '../fixtures/etcd-replicas.ts';

const HOUR = 3_600_000;
let etcd: EtcdCluster;
let replicas: Replicas;
before(async () => {
  etcd = await startEtcdCluster('tamper');
  replicas = await startReplicas(etcd, 4);
  await put(0, 'target', 'honest');
  await replicas.settle();
});
after(async () => {
  await replicas?.close();
  await etcd?.stop();
});

function replica(i: number): Subnet {
  return replicas.subnets[i] as Subnet;
}

async function put(i: number, key: string, value: string) {
  const result = await replica(i).submit({ app: 'kv', method: 'put', caller: 'test', args: { key, value } });
  assert.equal(result.ok, true);
  return result;
}

/** Runs `edit` on a database file of a stopped replica, then restores the file. */
async function withEdited(file: string, edit: (db: Database.Database) => void, check: () => Promise<void>): Promise<void> {
  copyFileSync(file, `${file}.kept`);
  const db = new Database(file);
  try {
    edit(db);
  } finally {
    db.close();
  }
  try {
    await check();
  } finally {
    copyFileSync(`${file}.kept`, file);
  }
}

test('a replica whose mirror or state was edited while it was stopped refuses to start, naming its folder', async () => {
  const dir = replicas.dirs[3] as string;
  await replica(3).close();
  replicas.subnets[3] = undefined;
  const refused = async () => {
    await assert.rejects(replicas.open(3), (error: Error) => error instanceof UntrustedDataError && error.message.includes(dir));
  };
  await withEdited(
    dataFiles(dir).log,
    (db) => {
      const row = db.prepare<[], { block: number; entries: Buffer }>('SELECT block, entries FROM blocks ORDER BY block DESC LIMIT 1').get();
      const entries = Buffer.from(row?.entries as Buffer);
      const at = Math.floor(entries.length / 3);
      entries.writeUInt8(entries.readUInt8(at) ^ 0x01, at);
      db.prepare('UPDATE blocks SET entries = ? WHERE block = ?').run(entries, row?.block);
    },
    refused,
  );
  await withEdited(
    dataFiles(dir).state,
    (db) => db.prepare("UPDATE app_kv__entries SET value = 'flipped' WHERE key = 'target'").run(),
    refused,
  );
  // Restored, it checks its whole folder (the seal was used up) and serves again.
  await replicas.open(3);
  await replicas.settle();
});

test('a replica whose state is changed under it stops serving at the next block a quorum certifies otherwise, and keeps the signed evidence', async () => {
  const tampered = replica(3);
  try {
    const db = new Database(dataFiles(replicas.dirs[3] as string).state);
    db.prepare("UPDATE app_kv__entries SET value = 'flipped' WHERE key = 'target'").run();
    db.close();
    const exposing = await put(0, 'target', 'again');
    for (let i = 0; i < 1500 && !tampered.failed; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok(tampered.failed instanceof DivergenceError, `replica 4 stopped: ${tampered.failed?.message}`);
    await assert.rejects(
      tampered.submit({ app: 'kv', method: 'put', caller: 'test', args: { key: 'x', value: 'y' } }),
      /differs from the one a quorum/,
    );
    const { evidence, block } = tampered.failed;
    assert.equal(block, exposing.block);
    assert.equal(statSync(evidence).mode & 0o077, 0, 'readable by the operator only');
    const kept = JSON.parse(readFileSync(evidence, 'utf8')) as { own: Certificate; quorum: Certificate };
    assert.equal(kept.own.signatures[0]?.node, tampered.nodeKey.id, 'the evidence names the tampered replica by its own signature');
    assert.notEqual(kept.own.checkpoint.digest, kept.quorum.checkpoint.digest);
    assert.equal(kept.quorum.signatures.length, 3);
    assert.ok(!kept.quorum.signatures.some((s) => s.node === tampered.nodeKey.id));
    // The tampered replica may hear the quorum's votes before an honest one has merged them.
    for (const i of [0, 1, 2]) {
      const certified = await replica(i).waitForCertificate(exposing.block, 30_000);
      assert.deepEqual(certified?.checkpoint, kept.quorum.checkpoint);
    }
    assert.ok(existsSync(join(replicas.dirs[3] as string, 'evidence')));
  } finally {
    // Closed whatever happened, so that the next test does not wait for a stopped replica.
    await tampered.close();
    replicas.subnets[3] = undefined;
  }
});

test("a replica whose clock runs an hour ahead moves the subnet's time by the bound at most; honest commands after it are held, not dragged", async () => {
  const realNow = Date.now;
  let ahead: Promise<Awaited<ReturnType<typeof put>>>;
  Date.now = () => realNow() + HOUR;
  try {
    // The command's time is taken from the clock as it is submitted.
    ahead = put(2, 'from-the-future', 'x');
  } finally {
    Date.now = realNow;
  }
  const fast = await ahead;
  const honest = await put(0, 'honest-after', 'y');
  await replicas.settle();
  const subnets = [0, 1, 2].map(replica);
  await assertOneCertifiedHistory(subnets);
  const time = (block: number) => replica(0).certificate(block)?.checkpoint.time as number;
  assert.ok(time(fast.block) - time(fast.block - 1) <= MAX_CLOCK_STEP_MS, 'one block moves time by the bound at most');
  assert.ok(time(honest.block) < Date.now() + 2 * MAX_CLOCK_STEP_MS, 'the honest command is not an hour ahead');
});
