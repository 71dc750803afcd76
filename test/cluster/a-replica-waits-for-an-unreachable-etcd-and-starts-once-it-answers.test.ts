import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { dataFiles, freePort, loadOrCreateSigningKey, makeGenesis } from '../../src/subnet/index.ts';
import { repoRoot } from '../cli/run-watan.ts';
import { type EtcdCluster, startEtcdCluster } from '../fixtures/etcd-cluster.ts';

const TIMEOUT = { timeout: 240_000 };

async function until(condition: () => boolean, what: string, bound = 120_000): Promise<void> {
  for (let waited = 0; !condition(); waited += 50) {
    if (waited > bound) throw new Error(`gave up waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test(
  'a replica started while etcd is unreachable says so, retries with backoff without crashing, and starts once etcd answers',
  TIMEOUT,
  async () => {
    const root = mkdtempSync(join(tmpdir(), 'watan-unreachable-'));
    const data = join(root, 'replica');
    mkdirSync(data, { mode: 0o700 });
    const node = loadOrCreateSigningKey(dataFiles(data).nodeKey);
    const governance = loadOrCreateSigningKey(join(root, 'governance.key'));
    const genesis = makeGenesis({
      subnet: 'unreachable',
      jurisdiction: 'PK',
      threshold: 1,
      governance: [{ key: governance, label: 'test' }],
      nodes: [{ id: node.id, operator: 'test', dataCentre: 'test', province: 'Sindh', jurisdiction: 'PK' }],
    });
    writeFileSync(join(root, 'genesis.json'), JSON.stringify(genesis));
    const ports = [];
    for (let i = 0; i < 3; i++) ports.push({ client: await freePort(), peer: await freePort() });
    const cluster = `etcd://${ports.map((p) => `127.0.0.1:${p.client}`).join(',')}`;
    const child = spawn(
      process.execPath,
      [
        'src/cli/main.ts',
        'start',
        '--cluster',
        cluster,
        '--genesis',
        join(root, 'genesis.json'),
        '--data',
        data,
        '--port',
        '0',
        '--host',
        '127.0.0.1',
      ],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WATAN_LOG_LEVEL: 'warn' } },
    );
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    let exit: number | null | undefined;
    child.once('exit', (code) => {
      exit = code;
    });
    let etcd: EtcdCluster | undefined;
    try {
      const retries = () => output.match(/etcd is unreachable; retrying/g)?.length ?? 0;
      await until(() => retries() >= 3 || exit !== undefined, 'the replica reported etcd unreachable three times');
      assert.equal(exit, undefined, `the replica must keep waiting, not exit:\n${output}`);
      const delays = [...output.matchAll(/"retryInMs":(\d+)/g)].map((m) => Number(m[1]));
      assert.ok((delays[2] as number) > (delays[0] as number), `it backs off: ${delays.join(', ')} ms`);
      assert.match(output, new RegExp(`127\\.0\\.0\\.1:${ports[0]?.client}`), 'the warning names the etcd it tries');

      etcd = await startEtcdCluster('unreachable', { ports });
      await until(() => /listening on (http:\/\/\S+)/.test(output) || exit !== undefined, 'the replica listened');
      const url = /listening on (http:\/\/\S+)/.exec(output)?.[1] as string;
      const health = (await (await fetch(`${url}/_watan/v1/health`)).json()) as { status: string };
      assert.equal(health.status, 'ok');
      child.kill('SIGTERM');
      await until(() => exit !== undefined, 'the replica stopped');
      assert.equal(exit, 0, output);
    } finally {
      if (exit === undefined) child.kill('SIGKILL');
      await etcd?.stop();
      rmSync(root, { recursive: true, force: true });
    }
  },
);
