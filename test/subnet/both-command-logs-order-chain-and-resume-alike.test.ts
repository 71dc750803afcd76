/**
 * One suite for the CommandLog contract, run against the embedded SQLite log and the etcd
 * cluster log (a real 3-member etcd): what the subnet relies on must hold for both.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  type Command,
  type CommandLog,
  EtcdLog,
  genesisHash,
  InvalidCommandError,
  loadOrCreateSigningKey,
  SqliteLog,
} from '../../src/subnet/index.ts';
import { type EtcdCluster, startEtcdCluster } from '../fixtures/etcd-cluster.ts';

interface Backend {
  name: string;
  setUp(): Promise<void>;
  tearDown(): Promise<void>;
  /** Opens the log kept in `dir` (a fresh or an existing folder). */
  open(dir: string, subnetId: string): Promise<CommandLog>;
}

let etcd: EtcdCluster | undefined;
const backends: Backend[] = [
  {
    name: 'the embedded SQLite log',
    async setUp() {},
    async tearDown() {},
    async open(dir, subnetId) {
      return new SqliteLog(join(dir, 'log.sqlite'), subnetId);
    },
  },
  {
    name: 'the etcd cluster log',
    async setUp() {
      etcd = await startEtcdCluster('contract');
    },
    async tearDown() {
      await etcd?.stop();
    },
    open(dir, subnetId) {
      const nodeKey = loadOrCreateSigningKey(join(dir, 'node.key'));
      return EtcdLog.open({ endpoints: (etcd as EtcdCluster).endpoints, path: join(dir, 'log.sqlite'), subnetId, nodeKey });
    },
  },
];

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'watan-log-contract-'));
  dirs.push(dir);
  return dir;
}

let subnetCount = 0;
function freshSubnet(): string {
  subnetCount += 1;
  return `contract-${process.pid}-${subnetCount}`;
}

function command(id: string, value = id): Command {
  return { id, app: 'kv', method: 'put', caller: 'test', args: { key: id, value }, time: 1_700_000_000_000 };
}

async function allBlocks(log: CommandLog) {
  const blocks = [];
  let after = 0;
  for (;;) {
    const page = await log.readFrom(after, 8);
    if (page.length === 0) return blocks;
    blocks.push(...page);
    after = page.at(-1)?.entries.at(-1)?.height as number;
  }
}

for (const backend of backends) {
  describe(backend.name, () => {
    before(() => backend.setUp());
    after(() => backend.tearDown());

    test('appends get consecutive heights in whole blocks, read back in order under an intact hash chain', async () => {
      const subnetId = freshSubnet();
      const log = await backend.open(freshDir(), subnetId);
      try {
        assert.deepEqual(log.head(), { height: 0, block: 0, hash: genesisHash(subnetId) });
        const first = await log.append([command('a'), command('b')]);
        const second = await Promise.all([log.append([command('c')]), log.append([command('d')])]);
        const receipts = [...first, ...second.flat()];
        assert.deepEqual(
          receipts.map((r) => r.height).sort((x, y) => x - y),
          [1, 2, 3, 4],
        );
        const blocks = await allBlocks(log);
        const entries = blocks.flatMap((b) => b.entries);
        assert.deepEqual(
          entries.map((e) => e.height),
          [1, 2, 3, 4],
        );
        for (const receipt of receipts) {
          const entry = entries.find((e) => e.height === receipt.height);
          assert.equal(entry?.command.id, receipt.id);
          assert.equal(entry?.block, receipt.block);
        }
        assert.deepEqual(
          blocks.map((b) => b.block),
          blocks.map((_, i) => i + 1),
        );
        assert.equal(log.verifyChain(), null);
        assert.deepEqual(log.head().hash, entries.at(-1)?.hash);
        assert.deepEqual(log.hashAt(2), entries[1]?.hash);
        assert.equal(log.hashAt(99), undefined);
      } finally {
        log.close();
      }
    });

    test('the log orders an id appended twice twice (the executor, not the log, runs it once)', async () => {
      const log = await backend.open(freshDir(), freshSubnet());
      try {
        await log.append([command('same')]);
        await log.append([command('same')]);
        const entries = (await allBlocks(log)).flatMap((b) => b.entries);
        assert.deepEqual(
          entries.map((e) => e.command.id),
          ['same', 'same'],
        );
      } finally {
        log.close();
      }
    });

    test('a burst larger than a block is split into several blocks, none lost', async () => {
      const log = await backend.open(freshDir(), freshSubnet());
      try {
        const burst = Array.from({ length: 2500 }, (_, i) => command(`burst-${i}`));
        const receipts = await log.append(burst);
        assert.equal(new Set(receipts.map((r) => r.height)).size, 2500);
        const blocks = await allBlocks(log);
        assert.ok(blocks.length >= 3, `2,500 commands took ${blocks.length} block(s)`);
        assert.deepEqual(new Set(blocks.flatMap((b) => b.entries.map((e) => e.command.id))), new Set(burst.map((c) => c.id)));
      } finally {
        log.close();
      }
    });

    test('watchers hear of new blocks', async () => {
      const log = await backend.open(freshDir(), freshSubnet());
      try {
        let woken = 0;
        const unwatch = log.watch(() => {
          woken += 1;
        });
        await log.append([command('w')]);
        assert.ok(woken >= 1);
        unwatch();
      } finally {
        log.close();
      }
    });

    test('an invalid command is refused before anything is ordered', async () => {
      const log = await backend.open(freshDir(), freshSubnet());
      try {
        await assert.rejects(log.append([command('ok'), { ...command('bad'), app: 'Not An App' }]), InvalidCommandError);
        assert.equal(log.head().height, 0);
      } finally {
        log.close();
      }
    });

    test('a reopened log resumes at its head and keeps chaining from it', async () => {
      const dir = freshDir();
      const subnetId = freshSubnet();
      const first = await backend.open(dir, subnetId);
      await first.append([command('before-1'), command('before-2')]);
      const head = first.head();
      first.close();
      const again = await backend.open(dir, subnetId);
      try {
        assert.deepEqual(again.head(), head);
        const [receipt] = await again.append([command('after')]);
        assert.equal(receipt?.height, head.height + 1);
        assert.equal(again.verifyChain(), null);
      } finally {
        again.close();
      }
    });
  });
}
