/**
 * bench:cluster — kv.put commands/s through four replicas on a real 3-member etcd (each
 * replica proposing signed blocks, every replica mirroring and executing all of them), with
 * client-observed latency to the local result and to the block's quorum certificate (votes
 * exchanged through etcd, more than two thirds of the four signing), next to the embedded
 * one-node rate measured in the same run with the same load.
 *
 *   node bench/cluster.ts [--commands N] [--concurrency C]
 *
 * "Certified" is the time until the submitting replica holds the quorum certificate of every
 * block; it reports, it does not gate.
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
  /** From submit to the quorum certificate of the command's block, on the submitting replica (cluster only). */
  certified: number[];
}

/** How long one command waits for its block's certificate before the run is called broken. */
const CERTIFICATE_WAIT_MS = 60_000;

/** Drives COMMANDS kv.puts from CONCURRENCY submitters, spread over `subnets`. */
async function drive(subnets: Subnet[], prefix: string, certify: boolean): Promise<Run> {
  const latencies: number[] = [];
  const certified: number[] = [];
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
        if (!certify) continue;
        // Not awaited: the submitter goes on, as a client that asks for the proof later would.
        void subnet.waitForCertificate(result.block, CERTIFICATE_WAIT_MS).then((certificate) => {
          if (!certificate) throw new Error(`block ${result.block} was not certified within ${CERTIFICATE_WAIT_MS} ms`);
          certified.push(performance.now() - t);
        });
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const sort = (values: number[]) => values.sort((a, b) => a - b);
  return { seconds, latencies: sort(latencies), certified };
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] as number;
const fmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'watan-bench-cluster-'));
  try {
    const embedded = await Subnet.open({ dataDir: join(root, 'embedded'), apps: coreApps });
    const alone = await drive([embedded], 'embedded', false);
    await embedded.close();

    const etcd = await startLocalEtcd({ dir: join(root, 'etcd') });
    const replicas = await startReplicas({ ...etcd, dir: join(root, 'etcd') }, 4);
    const subnets = replicas.subnets as Subnet[];
    const clusterStarted = performance.now();
    const cluster = await drive(subnets, 'cluster', true);
    await replicas.settle();
    const everywhere = (performance.now() - clusterStarted) / 1000;
    while (cluster.certified.length < COMMANDS) await new Promise((resolve) => setTimeout(resolve, 10));
    const certifiedAll = (performance.now() - clusterStarted) / 1000;
    cluster.certified.sort((a, b) => a - b);
    await replicas.close();
    await etcd.stop();

    const rows: [string, string][] = [
      ['embedded one node, same load (commands/s, ceiling here)', fmt.format(COMMANDS / alone.seconds)],
      ['cluster: acknowledged by the local replica (commands/s)', fmt.format(COMMANDS / cluster.seconds)],
      ['cluster: applied on all four replicas (commands/s, target >= 10,000)', fmt.format(COMMANDS / everywhere)],
      ['cluster: certified by a quorum (commands/s)', fmt.format(COMMANDS / certifiedAll)],
      ['cluster / embedded', `${((alone.seconds / everywhere) * 100).toFixed(1)}%`],
      [
        'cluster latency to local result p50 / p99 (ms)',
        `${pct(cluster.latencies, 0.5).toFixed(1)} / ${pct(cluster.latencies, 0.99).toFixed(1)}`,
      ],
      ['embedded latency p50 / p99 (ms)', `${pct(alone.latencies, 0.5).toFixed(1)} / ${pct(alone.latencies, 0.99).toFixed(1)}`],
      [
        'cluster latency to the quorum certificate p50 / p99 (ms, p99 target <= 100)',
        `${pct(cluster.certified, 0.5).toFixed(1)} / ${pct(cluster.certified, 0.99).toFixed(1)}`,
      ],
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
