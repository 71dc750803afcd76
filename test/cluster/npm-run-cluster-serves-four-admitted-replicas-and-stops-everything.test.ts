import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../cli/run-watan.ts';

const TIMEOUT = { timeout: 300_000 };

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

test('npm run cluster starts a 3-member etcd and four admitted replicas, prints each, and stops them all on SIGINT', TIMEOUT, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'watan-npm-cluster-'));
  // Its own process group, so that SIGINT reaches it as Ctrl-C in a terminal would.
  const child = spawn('npm', ['run', '--silent', 'cluster', '--', '--data', dir], {
    cwd: repoRoot,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const urls = await new Promise<string[]>((resolve, reject) => {
      const check = () => {
        const found = [...stdout.matchAll(/^replica (\d) (http:\/\/127\.0\.0\.1:\d+)$/gm)].map((m) => m[2] as string);
        if (found.length === 4) resolve(found);
      };
      child.stdout.on('data', check);
      void exited.then((code) => reject(new Error(`npm run cluster exited (${code}) before printing four replicas\n${stdout}\n${stderr}`)));
    });
    const nodes = new Set<string>();
    for (const url of urls) {
      const health = (await (await fetch(`${url}/_watan/v1/health`)).json()) as { status: string; subnet: string; node: string };
      assert.equal(health.status, 'ok');
      assert.equal(health.subnet, 'watan-cluster');
      nodes.add(health.node);
      const registry = (await (await fetch(`${url}/_watan/v1/registry`)).json()) as { nodes: { id: string }[] };
      assert.equal(registry.nodes.length, 4, 'every replica serves a registry admitting all four');
    }
    assert.equal(nodes.size, 4, 'four distinct replicas');
    process.kill(-(child.pid as number), 'SIGINT');
    await exited;
    const layout = JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as {
      etcd: { client: number; peer: number }[];
      replicas: number[];
    };
    // npm may exit before the cluster it ran has finished stopping; wait (bounded) for the ports to close.
    const ports = [...layout.replicas, ...layout.etcd.flatMap((m) => [m.client, m.peer])];
    let open = ports;
    for (let attempt = 0; attempt < 300 && open.length > 0; attempt++) {
      open = (await Promise.all(ports.map(async (port) => ((await portOpen(port)) ? [port] : [])))).flat();
      if (open.length > 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.deepEqual(open, [], 'every replica and etcd member that npm run cluster started has stopped');
  } finally {
    try {
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch {
      // The group is already gone.
    }
    rmSync(dir, { recursive: true, force: true });
  }
});
