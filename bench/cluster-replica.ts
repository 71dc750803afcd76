/**
 * One replica of bench:cluster in its own process, as deployed: the node `watan start
 * --cluster etcd://… --genesis FILE` runs (the same startNode, parts and cluster wiring, its
 * HTTP server listening), plus an in-process submitter the benchmark drives over IPC. The
 * submitter calls the replica's Subnet directly (there is no kv endpoint over HTTP): what is
 * measured is the replica, not an HTTP client sharing its two cores.
 *
 *   node bench/cluster-replica.ts --data DIR (--dev | --cluster HOST:PORT,… --genesis FILE)
 *
 * Messages in: {id, type: 'closed', prefix, commands, concurrency, certify} | {id, type: 'open',
 * prefix, rate, seconds} | {id, type: 'height'} | {id, type: 'applied', height} | {type: 'stop'},
 * and for the messenger load (bench/cluster-messenger.ts, over HTTP to this replica's own
 * server): {id, type: 'register', prefix, count} | {id, type: 'createRoom'} | {id, type: 'join',
 * roomId} | {id, type: 'send', roomId, prefix, seconds, certify}. Each answer carries the
 * request's id. Registration is open and rate limits out of reach, for the senders.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { nodeParts } from '../src/cli/composition.ts';
import { createLogger, startNode } from '../src/node/index.ts';
import type { Genesis } from '../src/subnet/index.ts';
import { UNREACHED_LIMITS } from '../test/fixtures/messenger-node.ts';
import { clock, closedLoop, openLoop } from './cluster-drive.ts';
import { createPublicRoom, joinRoom, registerSenders, type Sender, sendLoop } from './cluster-messenger.ts';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    dev: { type: 'boolean', default: false },
    cluster: { type: 'string' },
    genesis: { type: 'string' },
    operator: { type: 'string', default: 'bench' },
  },
});
if (!values.data || !process.send) throw new Error('run by bench/cluster.ts: --data DIR, with an IPC channel');
const send = (message: unknown) => process.send?.(message);

const node = await startNode({
  dataDir: values.data,
  port: 0,
  host: '127.0.0.1',
  serverName: 'localhost',
  dev: values.dev,
  ...(values.genesis ? { genesis: JSON.parse(readFileSync(values.genesis, 'utf8')) as Genesis } : {}),
  ...(values.cluster ? { cluster: values.cluster.split(',') } : {}),
  facts: { operator: values.operator, dataCentre: values.operator, province: 'Punjab', jurisdiction: 'PK' },
  parts: nodeParts({ openRegistration: true, rateLimits: UNREACHED_LIMITS }),
  logger: createLogger({ level: 'warn' }),
});
const { subnet } = node;
/** The messenger senders registered on this replica. */
let senders: Sender[] = [];

type Request =
  | { id: number; type: 'closed'; prefix: string; commands: number; concurrency: number; certify: boolean }
  | { id: number; type: 'open'; prefix: string; rate: number; seconds: number }
  | { id: number; type: 'height' }
  | { id: number; type: 'applied'; height: number }
  | { id: number; type: 'register'; prefix: string; count: number }
  | { id: number; type: 'createRoom' }
  | { id: number; type: 'join'; roomId: string }
  | { id: number; type: 'send'; roomId: string; prefix: string; seconds: number; certify: boolean }
  | { id: number; type: 'stop' };

async function answer(request: Request): Promise<unknown> {
  switch (request.type) {
    case 'closed':
      return closedLoop([subnet], request);
    case 'open':
      return openLoop(subnet, request);
    case 'height':
      return { height: subnet.logHeight };
    case 'applied':
      while (subnet.appliedHeight < request.height) await new Promise((resolve) => setTimeout(resolve, 2));
      return { at: clock() };
    case 'register':
      senders = await registerSenders(node.url, request.prefix, request.count);
      return {};
    case 'createRoom':
      if (!senders[0]) throw new Error('no sender registered on this replica to create the room');
      return { roomId: await createPublicRoom(node.url, senders[0]) };
    case 'join':
      await joinRoom(node.url, senders, request.roomId);
      return {};
    case 'send':
      return sendLoop(node.url, subnet, { senders, ...request });
    case 'stop':
      await node.close();
      process.exit(0);
  }
}

process.on('message', (request: Request) => {
  answer(request).then(
    (body) => send({ id: request.id, ok: true, body }),
    (error: Error) => send({ id: request.id, ok: false, error: error.stack ?? error.message }),
  );
});
send({ id: 0, ok: true, body: { url: node.url, node: subnet.nodeKey.id } });
