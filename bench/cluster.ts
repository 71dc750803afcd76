/**
 * bench:cluster — kv.put commands/s through four replicas on a real 3-member etcd (each
 * replica proposing signed blocks, every replica mirroring and executing all of them), with
 * client-observed latency to the local result, next to the embedded one-node rate measured in
 * the same run with the same load.
 *
 *   node bench/cluster.ts [--commands N] [--concurrency C]
 *
 * Quorum certificates are not merged yet (another branch builds them), so "applied on every
 * replica" stands in for "certified": the time until the last of the four has applied the
 * command. It reports; it does not gate.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { coreApps, Subnet, startLocalEtcd } from '../src/subnet/index.ts';
import { startReplicas } from '../test/fixtures/etcd-replicas.ts';

const { values } = parseArgs({
  options: { commands: { type: 'string', default: '8000' }, concurrency: { type: 'string', default: '256' } },
});
const COMMANDS = Number(values.commands);
const CONCURRENCY = Number(values.concurrency);

interface Run {
  seconds: number;
  latencies: number[];
  everywhereSeconds?: number;
}

/** Drives COMMANDS kv.puts from CONCURRENCY submitters, spread over `subnets`. */
async function drive(subnets: Subnet[], prefix: string): Promise<Run> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, worker) => {
      const subnet = subnets[worker % subnets.length] as Subnet;
      for (let i = next++; i < COMMANDS; i = next++) {
        const t = performance.now();
        const result = await subnet.submit({
          app: 'kv',
          method: 'put',
          caller: 'bench',
          args: { key: `${prefix}-${i % 10_000}`, value: 'v'.repeat(100) },
        });
        if (!result.ok) throw new Error(`command failed: ${result.error.message}`);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { seconds: (performance.now() - started) / 1000, latencies: latencies.sort((a, b) => a - b) };
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] as number;
const fmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'watan-bench-cluster-'));
  try {
    const embedded = await Subnet.open({ dataDir: join(root, 'embedded'), apps: coreApps });
    const alone = await drive([embedded], 'embedded');
    await embedded.close();

    const etcd = await startLocalEtcd({ dir: join(root, 'etcd') });
    const replicas = await startReplicas({ ...etcd, dir: join(root, 'etcd') }, 4);
    const subnets = replicas.subnets as Subnet[];
    const clusterStarted = performance.now();
    const cluster = await drive(subnets, 'cluster');
    await replicas.settle();
    const everywhere = (performance.now() - clusterStarted) / 1000;
    await replicas.close();
    await etcd.stop();

    const rows: [string, string][] = [
      ['embedded one node, same load (commands/s, ceiling here)', fmt.format(COMMANDS / alone.seconds)],
      ['cluster: acknowledged by the local replica (commands/s)', fmt.format(COMMANDS / cluster.seconds)],
      ['cluster: applied on all four replicas (commands/s, target >= 10,000)', fmt.format(COMMANDS / everywhere)],
      ['cluster / embedded', `${((alone.seconds / everywhere) * 100).toFixed(1)}%`],
      [
        'cluster latency to local result p50 / p99 (ms)',
        `${pct(cluster.latencies, 0.5).toFixed(1)} / ${pct(cluster.latencies, 0.99).toFixed(1)}`,
      ],
      ['embedded latency p50 / p99 (ms)', `${pct(alone.latencies, 0.5).toFixed(1)} / ${pct(alone.latencies, 0.99).toFixed(1)}`],
      ['p99 to a quorum certificate (ms, target <= 100)', 'not measured: certificates are merged on another branch'],
    ];
    const left = Math.max(...rows.map(([m]) => m.length), 7);
    const right = Math.max(...rows.map(([, v]) => v.length), 5);
    console.log(
      `bench:cluster — ${fmt.format(COMMANDS)} kv.put commands, ${CONCURRENCY} concurrent submitters, 4 replicas, 3-member etcd on loopback`,
    );
    console.log(`| ${'measure'.padEnd(left)} | ${'value'.padEnd(right)} |\n|${'-'.repeat(left + 2)}|${'-'.repeat(right + 2)}|`);
    for (const [m, v] of rows) console.log(`| ${m.padEnd(left)} | ${v.padEnd(right)} |`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
