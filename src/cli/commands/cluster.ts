import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dataFiles, freePort, loadOrCreateSigningKey, makeGenesis, startLocalEtcd, writeFileDurably } from '../../subnet/index.ts';
import { CliUsageError, parseOptions } from '../usage.ts';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
const SUBNET = 'watan-cluster';
/** How long the replicas get to answer, all starting at once on one machine. */
const START_TIMEOUT_MS = 180_000;

interface ClusterLayout {
  etcd: { client: number; peer: number }[];
  replicas: number[];
}

/**
 * `watan cluster` (`npm run cluster`): a 3-member etcd and four admitted replicas on this
 * machine, for trying a cluster out. Keeps everything in one folder, so a second run resumes
 * the same subnet; stops everything it started on SIGINT or SIGTERM.
 */
export async function runCluster(args: string[]): Promise<number> {
  const options = parseOptions(args, { data: { type: 'string', default: './cluster-data' }, replicas: { type: 'string', default: '4' } });
  const count = Number(options.replicas);
  if (!Number.isSafeInteger(count) || count < 1 || count > 16) throw new CliUsageError('--replicas must be a whole number from 1 to 16');
  const dir = resolve(options.data);
  mkdirSync(join(dir, 'logs'), { recursive: true, mode: 0o700 });
  const layout = await loadLayout(dir, count);
  const genesisFile = prepareGenesis(dir, layout);

  const etcd = await startLocalEtcd({ dir: join(dir, 'etcd'), ports: layout.etcd });
  const cluster = `etcd://${etcd.endpoints.join(',')}`;
  const children: ChildProcess[] = [];
  let stopping = false;
  const stopAll = async (): Promise<void> => {
    stopping = true;
    await Promise.all(children.map((child) => stopChild(child)));
    await etcd.stop();
  };
  const signalled = new Promise<string>((resolveSignal) => {
    process.once('SIGINT', () => resolveSignal('SIGINT'));
    process.once('SIGTERM', () => resolveSignal('SIGTERM'));
  });

  try {
    const started = layout.replicas.map((port, i) => {
      const child = spawn(
        process.execPath,
        [
          MAIN,
          'start',
          '--cluster',
          cluster,
          '--genesis',
          genesisFile,
          '--data',
          replicaDir(dir, i),
          '--host',
          '127.0.0.1',
          '--port',
          String(port),
          '--open-registration',
          '--operator',
          `operator ${i + 1}`,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      children.push(child);
      const log = createWriteStream(join(dir, 'logs', `replica-${i + 1}.log`), { flags: 'a', mode: 0o600 });
      child.stdout?.pipe(log);
      child.stderr?.pipe(log);
      return listening(child, `replica ${i + 1}`, join(dir, 'logs', `replica-${i + 1}.log`));
    });
    const urls = await Promise.race([
      Promise.all(started),
      signalled.then(() => {
        throw new ClusterStopped();
      }),
    ]);
    for (const [i, url] of urls.entries()) process.stdout.write(`replica ${i + 1} ${url}\n`);
    for (const child of children) {
      child.once('exit', (code, signal) => {
        if (!stopping) process.stderr.write(`watan cluster: a replica exited (code ${code}, signal ${signal}); see ${dir}/logs\n`);
      });
    }
    await signalled;
    await stopAll();
    return 0;
  } catch (error) {
    await stopAll();
    if (error instanceof ClusterStopped) return 0;
    throw error;
  }
}

class ClusterStopped extends Error {}

function replicaDir(dir: string, index: number): string {
  return join(dir, `replica-${index + 1}`);
}

/** The ports this cluster uses, chosen once and kept, because etcd's members remember each other's addresses. */
async function loadLayout(dir: string, count: number): Promise<ClusterLayout> {
  const path = join(dir, 'cluster.json');
  if (existsSync(path)) {
    const layout = JSON.parse(readFileSync(path, 'utf8')) as ClusterLayout;
    if (layout.replicas.length !== count) {
      throw new CliUsageError(`${dir} holds a cluster of ${layout.replicas.length} replicas; use --replicas ${layout.replicas.length}`);
    }
    return layout;
  }
  const layout: ClusterLayout = { etcd: [], replicas: [] };
  for (let i = 0; i < 3; i++) layout.etcd.push({ client: await freePort(), peer: await freePort() });
  for (let i = 0; i < count; i++) layout.replicas.push(await freePort());
  writeFileDurably(path, `${JSON.stringify(layout, null, 2)}\n`, 0o644);
  return layout;
}

/** One genesis admitting every replica, signed by a development governance key kept in the folder. */
function prepareGenesis(dir: string, layout: ClusterLayout): string {
  const path = join(dir, 'genesis.json');
  if (existsSync(path)) return path;
  const governance = loadOrCreateSigningKey(join(dir, 'governance.key'));
  const nodes = layout.replicas.map((_, i) => {
    mkdirSync(replicaDir(dir, i), { recursive: true, mode: 0o700 });
    const key = loadOrCreateSigningKey(dataFiles(replicaDir(dir, i)).nodeKey);
    return { id: key.id, operator: `operator ${i + 1}`, dataCentre: `data centre ${i + 1}`, province: 'Punjab', jurisdiction: 'PK' };
  });
  const genesis = makeGenesis({
    subnet: SUBNET,
    jurisdiction: 'PK',
    threshold: 1,
    governance: [{ key: governance, label: 'development governance key (watan cluster)' }],
    nodes,
  });
  writeFileDurably(path, `${JSON.stringify(genesis, null, 2)}\n`, 0o644);
  return path;
}

const LISTENING = /^watan: node \S+ of subnet \S+ listening on (http:\/\/\S+)$/m;

/** The replica's URL once it prints its listening line; rejects if it exits first. */
function listening(child: ChildProcess, name: string, logFile: string): Promise<string> {
  return new Promise((resolveUrl, reject) => {
    let output = '';
    const timer = setTimeout(
      () => reject(new Error(`${name} did not start within ${START_TIMEOUT_MS / 1000} s; see ${logFile}`)),
      START_TIMEOUT_MS,
    );
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const match = LISTENING.exec(output);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1] as string);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (code ${code}) before it answered; see ${logFile}`));
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}
