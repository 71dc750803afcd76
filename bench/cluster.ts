/**
 * bench:cluster — kv.put commands/s through four replicas on a real 3-member etcd (each
 * replica proposing signed blocks, every replica mirroring and executing all of them), with
 * latency to the local result and to the block's quorum certificate (more than two thirds of
 * the four signing), next to the embedded one-node rate measured in the same run.
 *
 *   node bench/cluster.ts [--commands N] [--concurrency C] [--load F | --rate R] [--seconds S] [--rounds K]
 *                         [--in-process] [--baseline DIR] [--messenger] [--senders P] [--send-seconds T]
 *
 * As deployed, each replica is its own process (bench/cluster-replica.ts: the node `watan start
 * --cluster` runs, HTTP server and all) driven by an in-process submitter over IPC; the embedded
 * node likewise. `--in-process` puts the four replicas in this one process instead (the earlier
 * form of this benchmark). Two runs: saturation (C submitters in a closed loop, N commands) and
 * an open loop at F (0.5) of the certified rate the first saturation reached (or R commands/s),
 * for S (10) seconds — latency targets are read at a load, not at saturation. With K rounds each
 * figure is the median over rounds. Times are taken where the command was
 * submitted; "certified" is when that replica holds the block's quorum certificate.
 *
 * `--baseline DIR` measures, in the same run and before this tree, the replicas of another
 * checkout (`git archive COMMIT | tar -x -C DIR`, with a node_modules link): a before/after on
 * the same machine minutes apart. This benchmark's replica script is copied into DIR/bench.
 *
 * `--messenger` adds, on the same replicas after the kv runs, messenger sends over HTTP: P (4)
 * senders per replica register on their own replica, one creates a public room, all join it
 * there, and each sends `m.room.message` back to back for T (10) seconds (bench/cluster-messenger.ts,
 * run in each replica's process); the embedded node gets the same number of senders in all.
 * Not with `--in-process`.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { coreApps, Subnet, startLocalEtcd } from '../src/subnet/index.ts';
import { clusterGenesis, startReplicas } from '../test/fixtures/etcd-replicas.ts';
import { clock, closedLoop, type DriveOutcome, openLoop } from './cluster-drive.ts';

const { values } = parseArgs({
  options: {
    commands: { type: 'string', default: '8000' },
    concurrency: { type: 'string', default: '256' },
    load: { type: 'string', default: '0.5' },
    seconds: { type: 'string', default: '10' },
    'in-process': { type: 'boolean', default: false },
    baseline: { type: 'string' },
    rate: { type: 'string' },
    rounds: { type: 'string', default: '1' },
    messenger: { type: 'boolean', default: false },
    senders: { type: 'string', default: '4' },
    'send-seconds': { type: 'string', default: '10' },
  },
});
const COMMANDS = Number(values.commands);
const CONCURRENCY = Number(values.concurrency);
const LOAD = Number(values.load);
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const REPLICAS = 4;
const MESSENGER = values.messenger;
const SENDERS = Number(values.senders);
const SEND_SECONDS = Number(values['send-seconds']);
if (MESSENGER && values['in-process'])
  throw new Error('--messenger needs each replica in its own process (its HTTP server); drop --in-process');

/** A replica the benchmark drives, wherever it runs. */
interface Driven {
  closed(options: { prefix: string; commands: number; concurrency: number; certify: boolean }): Promise<DriveOutcome>;
  open(options: { prefix: string; rate: number; seconds: number }): Promise<DriveOutcome>;
  logHeight(): Promise<number>;
  /** Resolves with the epoch ms at which the replica had applied up to `height`. */
  applied(height: number): Promise<number>;
  stop(): Promise<void>;
  /** The messenger load, over HTTP to the replica's own server (only where the replica is its own process). */
  messenger?: {
    register(prefix: string, count: number): Promise<void>;
    createRoom(): Promise<string>;
    join(roomId: string): Promise<void>;
    send(options: { roomId: string; prefix: string; seconds: number; certify: boolean }): Promise<DriveOutcome>;
  };
}

const REPLICA_SCRIPT = new URL('./cluster-replica.ts', import.meta.url).pathname;

/** bench/cluster-replica.ts (this tree's, or `script`) in a child process; resolves once its node is up. */
async function forkReplica(args: string[], script = REPLICA_SCRIPT): Promise<Driven> {
  const child: ChildProcess = fork(script, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiting = new Map<number, { resolve(body: unknown): void; reject(error: Error): void }>();
  let nextId = 1;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.on('message', (message: { id: number; ok: boolean; body?: unknown; error?: string }) => {
    const waiter = waiting.get(message.id);
    waiting.delete(message.id);
    if (message.ok) waiter?.resolve(message.body);
    else waiter?.reject(new Error(`replica ${args.join(' ')}: ${message.error}`));
  });
  child.once('exit', (code) => {
    for (const waiter of waiting.values()) waiter.reject(new Error(`a replica exited (code ${code})`));
  });
  const ask = <T>(request: Record<string, unknown>, id = nextId++): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      waiting.set(id, { resolve: resolve as (body: unknown) => void, reject });
      if (id !== 0) child.send({ id, ...request });
    });
  await ask({}, 0);
  return {
    closed: (options) => ask({ type: 'closed', ...options }),
    open: (options) => ask({ type: 'open', ...options }),
    logHeight: async () => (await ask<{ height: number }>({ type: 'height' })).height,
    applied: async (height) => (await ask<{ at: number }>({ type: 'applied', height })).at,
    messenger: {
      register: async (prefix, count) => void (await ask({ type: 'register', prefix, count })),
      createRoom: async () => (await ask<{ roomId: string }>({ type: 'createRoom' })).roomId,
      join: async (roomId) => void (await ask({ type: 'join', roomId })),
      send: (options) => ask({ type: 'send', ...options }),
    },
    stop: async () => {
      child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A Subnet in this process, driven the same way. */
function inProcess(subnet: Subnet, close: () => Promise<void>): Driven {
  return {
    closed: (options) => closedLoop([subnet], options),
    open: (options) => openLoop(subnet, options),
    logHeight: async () => subnet.logHeight,
    applied: async (height) => {
      while (subnet.appliedHeight < height) await new Promise((resolve) => setTimeout(resolve, 2));
      return clock();
    },
    stop: close,
  };
}

/** Every replica driven at once, their outcomes merged as one client population would see them. */
function merge(outcomes: readonly DriveOutcome[]): DriveOutcome {
  const sorted = (values: number[]) => values.sort((a, b) => a - b);
  return {
    startedAt: Math.min(...outcomes.map((o) => o.startedAt)),
    endedAt: Math.max(...outcomes.map((o) => o.endedAt)),
    certifiedAt: Math.max(...outcomes.map((o) => o.certifiedAt)),
    results: sorted(outcomes.flatMap((o) => o.results)),
    certified: sorted(outcomes.flatMap((o) => o.certified)),
    uncertified: outcomes.reduce((sum, o) => sum + o.uncertified, 0),
  };
}

/** The epoch ms at which every replica had applied everything any of them had ordered. */
async function appliedEverywhere(replicas: readonly Driven[]): Promise<number> {
  const height = Math.max(...(await Promise.all(replicas.map((r) => r.logHeight()))));
  return Math.max(...(await Promise.all(replicas.map((r) => r.applied(height)))));
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;
const fmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const latency = (sorted: number[]) => `${pct(sorted, 0.5).toFixed(1)} / ${pct(sorted, 0.99).toFixed(1)}`;
const uptime = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');

interface Variant {
  label: string;
  /** The replica script, in this tree or in the baseline checkout. */
  script: string;
}

function variants(): Variant[] {
  if (values['in-process']) return [{ label: 'in one process', script: REPLICA_SCRIPT }];
  const now: Variant = { label: 'this tree', script: REPLICA_SCRIPT };
  if (!values.baseline) return [now];
  const dir = resolve(values.baseline, 'bench');
  for (const file of ['cluster-replica.ts', 'cluster-drive.ts', 'cluster-messenger.ts'])
    copyFileSync(new URL(`./${file}`, import.meta.url), join(dir, file));
  return [{ label: `baseline (${values.baseline})`, script: join(dir, 'cluster-replica.ts') }, now];
}
const VARIANTS = variants();

async function startCluster(root: string, variant: Variant): Promise<{ replicas: Driven[]; stop(): Promise<void> }> {
  const etcdDir = join(root, 'etcd');
  const etcd = await startLocalEtcd({ dir: etcdDir });
  if (values['in-process']) {
    const started = await startReplicas({ ...etcd, dir: etcdDir }, REPLICAS);
    const replicas = (started.subnets as Subnet[]).map((subnet) => inProcess(subnet, async () => undefined));
    return {
      replicas,
      stop: async () => {
        await started.close();
        await etcd.stop();
      },
    };
  }
  const names = Array.from({ length: REPLICAS }, (_, i) => `replica-${i + 1}`);
  const { genesis } = clusterGenesis(root, 'bench-cluster', names);
  const genesisFile = join(root, 'genesis.json');
  writeFileSync(genesisFile, JSON.stringify(genesis));
  const cluster = etcd.endpoints.join(',');
  const replicas = await Promise.all(
    names.map((name) =>
      forkReplica(['--data', join(root, name), '--cluster', cluster, '--genesis', genesisFile, '--operator', name], variant.script),
    ),
  );
  return {
    replicas,
    stop: async () => {
      await Promise.all(replicas.map((replica) => replica.stop()));
      await etcd.stop();
    },
  };
}

/** One cluster run's figures: rates, [p50, p99] pairs, counts (formatted once all rounds are in). */
type Figures = number[][];

/**
 * Saturation, then an open loop at `rate` commands/s (when not given: LOAD of the certified
 * rate this saturation reached), on a fresh cluster.
 */
async function measureCluster(
  root: string,
  variant: Variant,
  given: number | undefined,
): Promise<{ figures: Figures; certifiedRate: number }> {
  const { replicas, stop } = await startCluster(root, variant);
  let saturated: DriveOutcome;
  let everywhere: number;
  let atLoad: DriveOutcome;
  let rate: number;
  let certifiedRate: number;
  let sends: DriveOutcome | undefined;
  try {
    const share = (n: number) => Math.ceil(n / REPLICAS);
    saturated = merge(
      await Promise.all(
        replicas.map((replica, i) =>
          replica.closed({ prefix: `cluster-${i}`, commands: share(COMMANDS), concurrency: share(CONCURRENCY), certify: true }),
        ),
      ),
    );
    everywhere = await appliedEverywhere(replicas);
    certifiedRate = saturated.certified.length / ((saturated.certifiedAt - saturated.startedAt) / 1000);
    rate = given ?? LOAD * certifiedRate;
    atLoad = merge(
      await Promise.all(replicas.map((replica, i) => replica.open({ prefix: `load-${i}`, rate: rate / REPLICAS, seconds: SECONDS }))),
    );
    if (MESSENGER) sends = await messengerSends(replicas, SENDERS, true);
  } finally {
    await stop();
  }
  const commands = saturated.results.length;
  const seconds = (at: number) => (at - saturated.startedAt) / 1000;
  const spread = (sorted: number[]) => [pct(sorted, 0.5), pct(sorted, 0.99)];
  const figures = [
    [commands / seconds(saturated.endedAt)],
    [commands / seconds(everywhere)],
    [certifiedRate],
    spread(saturated.results),
    spread(saturated.certified),
    [rate],
    spread(atLoad.results),
    spread(atLoad.certified),
    [saturated.uncertified + atLoad.uncertified],
  ];
  if (sends) {
    const over = (at: number) => (at - (sends as DriveOutcome).startedAt) / 1000;
    figures.push(
      [sends.results.length / over(sends.endedAt)],
      [sends.certified.length / over(sends.certifiedAt)],
      spread(sends.results),
      spread(sends.certified),
      [sends.uncertified],
    );
  }
  return { figures, certifiedRate };
}

/**
 * `perReplica` senders register on each replica, the first replica's first sender creates a
 * public room, every sender joins it on its own replica, then all send back to back.
 */
async function messengerSends(replicas: readonly Driven[], perReplica: number, certify: boolean): Promise<DriveOutcome> {
  const loads = replicas.map((replica) => {
    if (!replica.messenger) throw new Error('this replica cannot run the messenger load');
    return replica.messenger;
  });
  await Promise.all(loads.map((load, i) => load.register(`sender-${i}`, perReplica)));
  const roomId = await (loads[0] as NonNullable<Driven['messenger']>).createRoom();
  await Promise.all(loads.map((load) => load.join(roomId)));
  return merge(await Promise.all(loads.map((load, i) => load.send({ roomId, prefix: `send-${i}`, seconds: SEND_SECONDS, certify }))));
}

const MEASURES = [
  'cluster: acknowledged by the local replica (commands/s)',
  'cluster: applied on all four replicas (commands/s, target >= 10,000)',
  'cluster: certified by a quorum (commands/s)',
  'saturated: latency to local result p50 / p99 (ms)',
  'saturated: latency to the quorum certificate p50 / p99 (ms)',
  'open loop, offered (commands/s)',
  'at that load: latency to local result p50 / p99 (ms)',
  'at that load: latency to the quorum certificate p50 / p99 (ms, p99 target <= 100)',
  'commands whose block was not certified within 60 s',
  ...(MESSENGER
    ? [
        `messenger, ${SENDERS * REPLICAS} senders: sends answered 200 (sends/s)`,
        'messenger: sends certified by a quorum (sends/s)',
        'messenger: latency to the 200 p50 / p99 (ms)',
        'messenger: latency to the quorum certificate p50 / p99 (ms, upper bound)',
        'messenger: sends whose block was not certified within 60 s',
      ]
    : []),
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] as number;
}

/** The median over rounds of each figure, formatted: rates and counts whole, latencies to 0.1 ms. */
function formatFigures(rounds: Figures[]): string[] {
  return (rounds[0] as Figures).map((figure, f) => {
    const values = figure.map((_, k) => median(rounds.map((round) => (round[f] as number[])[k] as number)));
    return values.length === 2 ? values.map((v) => v.toFixed(1)).join(' / ') : fmt.format(values[0] as number);
  });
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'watan-bench-cluster-'));
  const loadBefore = uptime();
  try {
    const embedded = values['in-process']
      ? await Subnet.open({ dataDir: join(root, 'embedded'), apps: coreApps }).then((subnet) => inProcess(subnet, () => subnet.close()))
      : await forkReplica(['--data', join(root, 'embedded'), '--dev']);
    const alone = merge([await embedded.closed({ prefix: 'embedded', commands: COMMANDS, concurrency: CONCURRENCY, certify: false })]);
    const aloneSends = MESSENGER ? await messengerSends([embedded], SENDERS * REPLICAS, false) : undefined;
    await embedded.stop();
    const aloneSeconds = (alone.endedAt - alone.startedAt) / 1000;
    // Variants take turns, round after round, so that a change in the machine's other load
    // falls on all of them; each is then read at the same offered load.
    const rounds: Figures[][] = VARIANTS.map(() => []);
    let rate = values.rate === undefined ? undefined : Number(values.rate);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [v, variant] of VARIANTS.entries()) {
        const measured = await measureCluster(join(root, `cluster-${round}-${v}`), variant, rate);
        rate ??= LOAD * measured.certifiedRate;
        rounds[v]?.push(measured.figures);
      }
    }
    const columns = rounds.map(formatFigures);

    const rows: string[][] = [
      ['embedded one node, same load (commands/s, ceiling here)', ...VARIANTS.map(() => fmt.format(alone.results.length / aloneSeconds))],
      ['embedded latency p50 / p99 (ms)', ...VARIANTS.map(() => latency(alone.results))],
      ...(aloneSends
        ? [
            [
              'embedded messenger, same senders (sends/s, ceiling here)',
              ...VARIANTS.map(() => fmt.format(aloneSends.results.length / ((aloneSends.endedAt - aloneSends.startedAt) / 1000))),
            ],
            ['embedded messenger latency to the 200 p50 / p99 (ms)', ...VARIANTS.map(() => latency(aloneSends.results))],
          ]
        : []),
      ...MEASURES.map((measure, m) => [measure, ...columns.map((column) => column[m] as string)]),
    ];
    const header = ['measure', ...VARIANTS.map((variant) => variant.label)];
    const widths = header.map((_, c) => Math.max(...[header, ...rows].map((row) => (row[c] as string).length)));
    const line = (row: string[]) => `| ${row.map((cell, c) => cell.padEnd(widths[c] as number)).join(' | ')} |`;
    const mode = values['in-process'] ? 'all in this one process' : 'each replica its own process';
    console.log(
      `bench:cluster — ${fmt.format(COMMANDS)} kv.put commands, ${CONCURRENCY} concurrent submitters, ${REPLICAS} replicas (${mode}), 3-member etcd on loopback; ` +
        `open loop for ${SECONDS} s at ${values.rate ? 'the given rate' : `${LOAD * 100}% of the first run's certified rate`}; median of ${ROUNDS} round(s)` +
        (MESSENGER ? `; then ${SENDERS} messenger senders per replica sending back to back for ${SEND_SECONDS} s over HTTP` : ''),
    );
    console.log(`load average before: ${loadBefore}; after: ${uptime()}`);
    console.log(`${line(header)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
    for (const row of rows) console.log(line(row));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
