/**
 * bench:messenger — messages through the Matrix API of one Watan node: many users in
 * 10-member rooms, each running a /sync long-poll loop over HTTP, while senders post messages.
 * Prints sends/s, messages delivered/s, send-to-delivery latency and memory per syncing user,
 * next to a trivial Fastify route's requests/s measured in the same run by the same client.
 *
 *   node bench/messenger.ts [--users N] [--room-size N] [--senders N] [--seconds N]
 *
 * Accounts are created directly on the subnet (no scrypt: setup is not what is measured);
 * everything measured goes over HTTP. Clients run in this process, beside the server, on the
 * same 2 cores, and the trivial route is measured the same way. It reports; it does not gate.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import { nodeParts } from '../src/cli/composition.ts';
import { createLogger, startNode } from '../src/node/index.ts';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '1000' },
    'room-size': { type: 'string', default: '10' },
    senders: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '15' },
  },
});
const USERS = Number(values.users);
const ROOM_SIZE = Number(values['room-size']);
const SENDERS = Math.min(Number(values.senders), USERS);
const SECONDS = Number(values.seconds);

async function trivialRouteRate(concurrency: number, ms: number): Promise<number> {
  const app = Fastify();
  app.get('/ping', async () => ({ ok: true }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/ping`;
  let done = 0;
  const deadline = performance.now() + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        await (await fetch(url)).json();
        done += 1;
      }
    }),
  );
  await app.close();
  return done / (ms / 1000);
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? Number.NaN : (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number);
}

async function main(): Promise<void> {
  const ceiling = await trivialRouteRate(SENDERS, 5000);
  const dir = mkdtempSync(join(tmpdir(), 'watan-bench-messenger-'));
  const node = await startNode({
    dataDir: dir,
    port: 0,
    host: '127.0.0.1',
    serverName: 'localhost',
    dev: true,
    facts: { operator: 'bench', dataCentre: 'local', province: 'Punjab', jurisdiction: 'PK' },
    parts: nodeParts({ openRegistration: true, rateLimits: { authPerMinute: 1e9, sendsPer10Seconds: 1e9 } }),
    logger: createLogger({ level: 'silent' }),
  });
  const api = `${node.url}/_matrix/client/v3`;
  try {
    // Accounts straight through the subnet: a known token per user, only its hash stored.
    const tokens: string[] = [];
    await Promise.all(
      Array.from({ length: USERS }, async (_, i) => {
        const token = `bench_${randomBytes(16).toString('hex')}`;
        tokens[i] = token;
        const token_hash = createHash('sha256').update(token).digest('hex');
        const result = await node.subnet.submit({
          app: 'messenger',
          method: 'register',
          args: { localpart: `u${i}`, server_name: 'localhost', device_id: 'BENCH', token_hash },
          caller: 'anonymous',
        });
        if (!result.ok) throw new Error(result.error.message);
      }),
    );
    const call = async (method: string, path: string, token: string, body?: unknown) => {
      const response = await fetch(`${api}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const json = (await response.json()) as Record<string, unknown>;
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
      return json;
    };
    // Rooms of ROOM_SIZE: the first member creates and invites, the others join.
    const rooms: string[] = [];
    for (let first = 0; first < USERS; first += ROOM_SIZE) {
      const members = Array.from({ length: Math.min(ROOM_SIZE, USERS - first) }, (_, k) => first + k);
      const { room_id } = (await call('POST', '/createRoom', tokens[first] as string, {
        invite: members.slice(1).map((i) => `@u${i}:localhost`),
      })) as { room_id: string };
      await Promise.all(members.slice(1).map((i) => call('POST', `/rooms/${encodeURIComponent(room_id)}/join`, tokens[i] as string)));
      rooms.push(room_id);
    }
    const rssBefore = process.memoryUsage().rss;
    let running = true;
    let delivered = 0;
    const latencies: number[] = [];
    const syncers = tokens.map(async (token) => {
      let since = (await call('GET', '/sync', token)).next_batch as string;
      while (running) {
        const response = (await call('GET', `/sync?since=${since}&timeout=5000`, token)) as {
          next_batch: string;
          rooms: { join: Record<string, { timeline: { events: { type: string; content: { sent?: number } }[] } }> };
        };
        since = response.next_batch;
        const now = Date.now();
        for (const room of Object.values(response.rooms.join)) {
          for (const event of room.timeline.events) {
            if (event.type !== 'm.room.message' || typeof event.content.sent !== 'number') continue;
            delivered += 1;
            latencies.push(now - event.content.sent);
          }
        }
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const rssSyncing = process.memoryUsage().rss;
    let sends = 0;
    let txn = 0;
    const started = performance.now();
    const deliveredAtStart = delivered;
    latencies.length = 0;
    const deadline = started + SECONDS * 1000;
    await Promise.all(
      Array.from({ length: SENDERS }, async (_, s) => {
        const senderIndex = (s * ROOM_SIZE) % USERS;
        const room = rooms[Math.floor(senderIndex / ROOM_SIZE)] as string;
        while (performance.now() < deadline) {
          await call('PUT', `/rooms/${encodeURIComponent(room)}/send/m.room.message/b${txn++}`, tokens[senderIndex] as string, {
            msgtype: 'm.text',
            body: 'bench',
            sent: Date.now(),
          });
          sends += 1;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const deliveredCount = delivered - deliveredAtStart;
    running = false;
    const sorted = latencies.sort((a, b) => a - b);
    const sendRate = sends / seconds;
    const deliveredRate = deliveredCount / seconds;
    const perUserKiB = (rssSyncing - rssBefore) / USERS / 1024;
    const row = (measure: string, value: string) => `| ${measure.padEnd(58)} | ${value.padEnd(16)} |`;
    console.log(
      `bench:messenger — ${USERS} syncing users in rooms of ${ROOM_SIZE}, ${SENDERS} senders, ${SECONDS} s, node ${process.version}, ${availableParallelism()} CPUs`,
    );
    console.log('clients run in the same process as the server; the trivial route is measured the same way');
    console.log(row('measure', 'value'));
    console.log(`|${'-'.repeat(60)}|${'-'.repeat(18)}|`);
    console.log(row('trivial Fastify route (requests/s, ceiling)', Math.round(ceiling).toLocaleString('en-US')));
    console.log(row('sends (messages/s)', Math.round(sendRate).toLocaleString('en-US')));
    console.log(
      row(
        'sends / trivial route (target >= 50%)',
        `${((100 * sendRate) / ceiling).toFixed(1)}% ${sendRate >= ceiling / 2 ? 'PASS' : 'FAIL'}`,
      ),
    );
    console.log(
      row(
        'messages delivered (per s, target >= 1,000)',
        `${Math.round(deliveredRate).toLocaleString('en-US')} ${deliveredRate >= 1000 ? 'PASS' : 'FAIL'}`,
      ),
    );
    const p99 = percentile(sorted, 99);
    console.log(
      row('send-to-delivery latency p50 / p99 (ms, p99 <= 250)', `${percentile(sorted, 50)} / ${p99} ${p99 <= 250 ? 'PASS' : 'FAIL'}`),
    );
    console.log(row('memory per syncing user (KiB of RSS, clients included)', perUserKiB.toFixed(1)));
    await Promise.race([Promise.allSettled(syncers), new Promise((resolve) => setTimeout(resolve, 6000))]);
  } finally {
    await node.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
