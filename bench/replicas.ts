/**
 * What sharing across replicas costs (`node bench/replicas.ts`): two replicas on a 3-member
 * etcd on this machine, beside one node alone. Typing notices and user-interactive auth
 * challenges go through etcd under a lease on the cluster, through memory alone; media a
 * replica lacks is fetched from the other, checked and kept before it is served.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeParts } from '../src/cli/composition.ts';
import { localNodeConfig } from '../src/cli/local-node.ts';
import { UNLIMITED_RATE_LIMITS } from '../src/messenger/index.ts';
import { type RunningNode, startNode } from '../src/node/index.ts';
import { matrixCall } from '../test/fixtures/messenger-node.ts';
import { startMessengerReplicas } from '../test/fixtures/messenger-replicas.ts';

const ROUNDS = 100;
const MEDIA_BYTES = 16 * 1024 * 1024;
const MEDIA_ROUNDS = 5;

function percentiles(samples: number[]): string {
  const sorted = [...samples].sort((x, y) => x - y);
  const at = (p: number) => (sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number).toFixed(1);
  return `${at(0.5)} / ${at(0.99)}`;
}

async function timed(action: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await action();
  return performance.now() - start;
}

/** Typing PUT and a UIA challenge on `on`; a typing notice from `on` seen by a long-poll on `seenOn`. */
async function measure(
  on: RunningNode,
  seenOn: RunningNode,
  register: (node: RunningNode, name: string) => Promise<{ access_token: string; user_id: string }>,
  settle: () => Promise<void>,
) {
  const alice = await register(on, `alice${randomBytes(3).toString('hex')}`);
  const bob = await register(seenOn, `bob${randomBytes(3).toString('hex')}`);
  const room = (await matrixCall(on.url, 'POST', '/createRoom', alice.access_token, { invite: [bob.user_id] })).body.room_id as string;
  await settle();
  await matrixCall(seenOn.url, 'POST', `/rooms/${encodeURIComponent(room)}/join`, bob.access_token, {});
  await settle();
  const typingPath = `/rooms/${encodeURIComponent(room)}/typing/${encodeURIComponent(alice.user_id)}`;
  const put: number[] = [];
  const seen: number[] = [];
  let since = (await matrixCall(seenOn.url, 'GET', '/sync?timeout=0', bob.access_token)).body.next_batch as string;
  for (let i = 0; i < ROUNDS; i++) {
    const typing = i % 2 === 0;
    const waiting = matrixCall(seenOn.url, 'GET', `/sync?timeout=10000&since=${encodeURIComponent(since)}`, bob.access_token).then(
      (answer) => ({ answer, at: performance.now() }),
    );
    // The sync is waiting on the server before the notice is given.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const sent = performance.now();
    await matrixCall(on.url, 'PUT', typingPath, alice.access_token, { typing, timeout: 30_000 });
    put.push(performance.now() - sent);
    const { answer, at } = await waiting;
    seen.push(at - sent);
    since = answer.body.next_batch as string;
  }
  const challenges: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    challenges.push(await timed(() => matrixCall(on.url, 'POST', '/delete_devices', alice.access_token, { devices: ['NONE'] })));
  }
  return { put, seen, challenges };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'watan-bench-alone-'));
  const alone = await startNode({
    ...localNodeConfig(dir, 'bench'),
    parts: nodeParts({ openRegistration: true, rateLimits: UNLIMITED_RATE_LIMITS }),
  });
  const replicas = await startMessengerReplicas('bench-replicas', 2);
  try {
    const registerAlone = async (node: RunningNode, username: string) => {
      const body = { username, password: 'long enough password', auth: { type: 'm.login.dummy' } };
      return (await matrixCall(node.url, 'POST', '/register', undefined, body)).body as { access_token: string; user_id: string };
    };
    const one = await measure(alone, alone, registerAlone, async () => undefined);
    const [a, b] = replicas.nodes as [RunningNode, RunningNode];
    const two = await measure(a, b, replicas.register, replicas.settle);

    const alice = await replicas.register(a, 'media');
    const firsts: number[] = [];
    const agains: number[] = [];
    for (let i = 0; i < MEDIA_ROUNDS; i++) {
      const bytes = randomBytes(MEDIA_BYTES);
      const uploaded = await fetch(`${a.url}/_matrix/media/v3/upload`, {
        method: 'POST',
        headers: { authorization: `Bearer ${alice.access_token}`, 'content-type': 'application/octet-stream' },
        body: bytes,
      });
      const uri = ((await uploaded.json()) as { content_uri: string }).content_uri.slice('mxc://'.length);
      await replicas.settle();
      const download = async () => {
        const response = await fetch(`${b.url}/_matrix/client/v1/media/download/${uri}`, {
          headers: { authorization: `Bearer ${alice.access_token}` },
        });
        const got = Buffer.from(await response.arrayBuffer());
        if (createHash('sha256').update(got).digest('hex') !== createHash('sha256').update(bytes).digest('hex'))
          throw new Error('bytes differ');
      };
      firsts.push(await timed(download));
      agains.push(await timed(download));
    }
    const median = (samples: number[]) => ([...samples].sort((x, y) => x - y)[Math.floor(samples.length / 2)] as number).toFixed(0);
    const first = median(firsts);
    const second = median(agains);

    const rows: [string, string][] = [
      ['typing PUT, one node alone: p50 / p99 (ms)', percentiles(one.put)],
      ['typing PUT, replica on etcd: p50 / p99 (ms)', percentiles(two.put)],
      ['typing seen by a waiting sync, same node: p50 / p99 (ms)', percentiles(one.seen)],
      ['typing on A seen by a waiting sync on B: p50 / p99 (ms)', percentiles(two.seen)],
      ['UIA challenge (401 with session), alone: p50 / p99 (ms)', percentiles(one.challenges)],
      ['UIA challenge (401 with session), replica: p50 / p99 (ms)', percentiles(two.challenges)],
      [`media ${MEDIA_BYTES / 1024 / 1024} MiB on B, first (fetched from A, checked), median of ${MEDIA_ROUNDS} (ms)`, first],
      [`media ${MEDIA_BYTES / 1024 / 1024} MiB on B, again (its own copy), median of ${MEDIA_ROUNDS} (ms)`, second],
    ];
    const left = Math.max(...rows.map(([m]) => m.length));
    const right = Math.max(...rows.map(([, v]) => v.length), 5);
    console.log(`| ${'measure'.padEnd(left)} | ${'value'.padEnd(right)} |\n|${'-'.repeat(left + 2)}|${'-'.repeat(right + 2)}|`);
    for (const [m, v] of rows) console.log(`| ${m.padEnd(left)} | ${v.padEnd(right)} |`);
  } finally {
    await replicas.close();
    await alone.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
