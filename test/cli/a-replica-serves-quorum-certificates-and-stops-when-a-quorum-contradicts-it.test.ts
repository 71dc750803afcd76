import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createLogger, type RunningNode, startNode } from '../../src/node/index.ts';
import {
  type Certificate,
  coreApps,
  DivergenceError,
  dataFiles,
  InProcessChannel,
  loadOrCreateSigningKey,
  SqliteLog,
  Subnet,
} from '../../src/subnet/index.ts';
import { deliverVotes, genesisFor, nodeKeys, type Replica, SUBNET, startReplica } from '../fixtures/certifying-replicas.ts';
import { runWatan } from './run-watan.ts';

const TIMEOUT = { timeout: 180_000 };
const dir = mkdtempSync(join(tmpdir(), 'watan-quorum-node-'));
const { keys: followerKeys, governance, dispose } = nodeKeys(3);
after(() => {
  dispose();
  rmSync(dir, { recursive: true, force: true });
});

async function json(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(60_000) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

test(
  'a node of a four-member subnet serves only quorum certificates, and stops serving once a quorum contradicts its state',
  TIMEOUT,
  async () => {
    const own = loadOrCreateSigningKey(dataFiles(dir).nodeKey);
    const channel = new InProcessChannel();
    const node: RunningNode = await startNode({
      dataDir: dir,
      port: 0,
      host: '127.0.0.1',
      serverName: 'localhost',
      dev: false,
      subnetId: SUBNET,
      genesis: genesisFor([own, ...followerKeys], governance),
      facts: { operator: 'operator 0', dataCentre: 'dc 0', province: 'Punjab', jurisdiction: 'PK' },
      logger: createLogger({ level: 'silent' }),
      certification: channel,
    });
    const log = new SqliteLog(dataFiles(dir).log, SUBNET, { readonly: true });
    const followers: Replica[] = followerKeys.map((key) => startReplica(key, channel));
    /** The other three replicas apply whatever the log holds and vote. */
    const catchUp = async () => {
      for (const follower of followers) follower.apply(log.readFromSync(follower.executor.height, 10_000));
      await deliverVotes();
    };
    try {
      await catchUp();
      const served = await json(`${node.url}/_watan/v1/checkpoint`);
      assert.equal(served.status, 200);
      const certificate = served.body as unknown as Certificate;
      assert.ok(certificate.signatures.length >= 3, 'a quorum of four members is three');
      assert.equal(certificate.members?.length, 4);

      const verified = await runWatan(['verify', '--url', node.url, '--governance-key', governance.id]);
      assert.equal(verified.code, 0, `${verified.stdout}${verified.stderr}`);
      assert.match(verified.stdout, /signed by a quorum: [34] of its 4 committed member/);

      // Applied here, but not certified until the others have applied it too.
      assert.equal(
        (await node.subnet.submit({ app: 'kv', method: 'put', args: { key: 'a', value: '1' }, caller: 't', id: 'put-1' })).ok,
        true,
      );
      const early = await json(`${node.url}/_watan/v1/results/put-1?wait_ms=0`);
      assert.equal(early.status, 404);
      assert.equal(early.body.errcode, 'M_NOT_YET_CERTIFIED');
      const waiting = json(`${node.url}/_watan/v1/results/put-1?wait_ms=30000`);
      await catchUp();
      const proof = await waiting;
      assert.equal(proof.status, 200, JSON.stringify(proof.body));
      assert.ok((proof.body.certificate as Certificate).signatures.length >= 3);
      const command = await runWatan(['verify', '--url', node.url, '--governance-key', governance.id, '--command', 'put-1']);
      assert.equal(command.code, 0, `${command.stdout}${command.stderr}`);
      assert.equal((await json(`${node.url}/_watan/v1/results/put-1?wait_ms=30001`)).status, 400, 'the wait is bounded');

      // The three others hold another value for the key (a flipped byte, say): the next write exposes it.
      for (const follower of followers) follower.db.prepare("UPDATE app_kv__entries SET value = 'flipped' WHERE key = 'a'").run();
      assert.equal(
        (await node.subnet.submit({ app: 'kv', method: 'put', args: { key: 'a', value: '2' }, caller: 't', id: 'put-2' })).ok,
        true,
      );
      await catchUp();

      const health = await json(`${node.url}/_watan/v1/health`);
      assert.equal(health.status, 503);
      assert.equal(health.body.status, 'diverged');
      const metrics = await (await fetch(`${node.url}/metrics`)).text();
      assert.match(metrics, /^watan_replica_diverged 1$/m);
      const registry = await json(`${node.url}/_watan/v1/registry`);
      assert.equal(registry.status, 503, 'a diverged replica serves no state');
      await assert.rejects(
        node.subnet.submit({ app: 'kv', method: 'put', args: { key: 'b', value: '1' }, caller: 't' }),
        /differs from the one a quorum/,
      );

      const block = health.body.block as number;
      const evidence = join(dir, 'evidence', `divergence-block-${block}.json`);
      assert.ok(existsSync(evidence), 'the node keeps the evidence');
      assert.equal(statSync(evidence).mode & 0o077, 0, 'readable by the operator only');
      const kept = JSON.parse(readFileSync(evidence, 'utf8')) as { own: Certificate; quorum: Certificate };
      assert.equal(kept.own.checkpoint.block, block);
      assert.equal(kept.own.signatures[0]?.node, own.id);
      assert.notEqual(kept.own.checkpoint.digest, kept.quorum.checkpoint.digest);
      assert.ok(kept.quorum.signatures.length >= 3);
    } finally {
      for (const follower of followers) follower.close();
      log.close();
      await node.close();
    }
    // Restarted, it stays stopped: its state is still not the one the quorum certified.
    await assert.rejects(
      Subnet.open({ dataDir: dir, apps: coreApps }),
      (error: unknown) => error instanceof DivergenceError && /differs from the one a quorum of the subnet certified/.test(error.message),
    );
  },
);
