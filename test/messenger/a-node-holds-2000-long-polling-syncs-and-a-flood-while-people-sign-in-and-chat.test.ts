/**
 * Issue 11, soak: one node holds 2,000 long-polling syncs and a flood of idle and trickling
 * connections, and meanwhile a person signs in, the node reports healthy, and two people chat
 * with every message arriving; then the flood's trickled bodies are cut off (408), and one
 * message wakes all 2,000 syncs, each answering 200 with it. Bounded in count and time, on
 * loopback only: the syncs come from 127.0.0.10–14 (400 each, within the per-address limit),
 * the flood from 127.0.0.20–21, the people from 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import type { Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { type Account, type MessengerNode, startMessengerNode } from '../fixtures/messenger-node.ts';
import { answerOf, openSocket, type RawAnswer } from '../fixtures/raw-http.ts';

const SYNCS = 2_000;
const SYNC_ADDRESSES = ['127.0.0.10', '127.0.0.11', '127.0.0.12', '127.0.0.13', '127.0.0.14'];
const SLEEPERS = 4;
const IDLE = 600;
const TRICKLING = 200;
/** Sockets this test holds at once, each twice (client and server end), plus room for the node's files. */
const FILES_NEEDED = 2 * (SYNCS + IDLE + TRICKLING) + 1_000;

let server: MessengerNode;
let alice: Account;
let bob: Account;
let chat: string;
let lobby: string;
const sleepers: Account[] = [];
const flood: Socket[] = [];

function fileLimit(): number {
  const limit = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1];
  return limit === undefined || limit === 'unlimited' ? Number.POSITIVE_INFINITY : Number(limit);
}
const skip = fileLimit() < FILES_NEEDED ? `the process may open only ${fileLimit()} files; this soak needs ${FILES_NEEDED}` : false;

before(async () => {
  if (skip) return;
  // Short request timeouts, so the trickled bodies are cut off within the test.
  server = await startMessengerNode('soak', { connectionLimits: { headersTimeoutMs: 2_000, requestTimeoutMs: 4_000 } });
  alice = await server.register('alice');
  bob = await server.register('bob');
  chat = (await server.call('POST', '/createRoom', alice.token, { preset: 'public_chat', name: 'chat' })).body.room_id as string;
  assert.equal((await server.call('POST', `/join/${encodeURIComponent(chat)}`, bob.token, {})).status, 200);
  lobby = (await server.call('POST', '/createRoom', alice.token, { preset: 'public_chat', name: 'lobby' })).body.room_id as string;
  for (let i = 0; i < SLEEPERS; i++) {
    const sleeper = await server.register(`sleeper${i}`);
    assert.equal((await server.call('POST', `/join/${encodeURIComponent(lobby)}`, sleeper.token, {})).status, 200);
    sleepers.push(sleeper);
  }
});
after(async () => {
  for (const socket of flood) socket.destroy();
  await server?.close();
});

interface SyncAnswer {
  status: number;
  body: { rooms?: { join?: Record<string, { timeline: { events: { content: { body?: string } }[] } }> } };
}

/** One long-poll over its own socket from `localAddress`. */
function longPoll(account: Account, since: string, localAddress: string): Promise<SyncAnswer> {
  const url = new URL(`${server.node.url}/_matrix/client/v3/sync?since=${encodeURIComponent(since)}&timeout=50000&set_presence=offline`);
  return new Promise((resolve, reject) => {
    const sent = request(
      url,
      { localAddress, agent: false, headers: { authorization: `Bearer ${account.token}` }, timeout: 55_000 },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
        response.on('error', reject);
      },
    );
    sent.on('error', reject);
    sent.end();
  });
}

function openConnections(): Promise<number> {
  return new Promise((resolve, reject) =>
    server.node.server.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  );
}

test('2,000 long-polling syncs and a flood are held while a person signs in and two people chat', { skip, timeout: 55_000 }, async () => {
  // Each sleeper's position, then its share of the long-polls, spread over five addresses. They
  // stay offline, so that no one's coming online wakes the others' syncs before the end.
  const since = await Promise.all(
    sleepers.map(
      async (sleeper) => (await server.call('GET', '/sync?timeout=0&set_presence=offline', sleeper.token)).body.next_batch as string,
    ),
  );
  const polls: Promise<SyncAnswer>[] = [];
  for (let i = 0; i < SYNCS; i++) {
    const who = i % SLEEPERS;
    polls.push(longPoll(sleepers[who] as Account, since[who] as string, SYNC_ADDRESSES[i % SYNC_ADDRESSES.length] as string));
  }
  while ((await openConnections()) < SYNCS) await new Promise((resolve) => setTimeout(resolve, 50));
  // The flood: idle sockets (past the per-address limit, refused) and bodies trickled a byte at a time.
  const idle: Promise<RawAnswer>[] = [];
  for (let i = 0; i < IDLE; i++) {
    const socket = await openSocket(server.node.url, '127.0.0.20');
    flood.push(socket);
    idle.push(answerOf(socket));
  }
  const trickled: Promise<RawAnswer>[] = [];
  const trickling: Socket[] = [];
  for (let i = 0; i < TRICKLING; i++) {
    const socket = await openSocket(server.node.url, '127.0.0.21');
    flood.push(socket);
    trickling.push(socket);
    trickled.push(answerOf(socket));
    socket.write('POST /_matrix/client/v3/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{');
  }
  const drip = setInterval(() => {
    for (const socket of trickling) if (socket.writable) socket.write(' ');
  }, 250);
  try {
    const health = await fetch(`${server.node.url}/_watan/v1/health`, { signal: AbortSignal.timeout(20_000) });
    assert.equal(health.status, 200, 'health answers');
    const aliceAgain = await server.login('alice');
    assert.ok(aliceAgain.token, 'alice signs in');
    const c = encodeURIComponent(chat);
    const start = (await server.call('GET', '/sync?timeout=0', bob.token)).body.next_batch as string;
    for (let i = 0; i < 5; i++) {
      assert.equal(
        (await server.call('PUT', `/rooms/${c}/send/m.room.message/a${i}`, aliceAgain.token, { msgtype: 'm.text', body: `alice ${i}` }))
          .status,
        200,
      );
      assert.equal(
        (await server.call('PUT', `/rooms/${c}/send/m.room.message/b${i}`, bob.token, { msgtype: 'm.text', body: `bob ${i}` })).status,
        200,
      );
    }
    const seen = await server.call('GET', `/sync?since=${encodeURIComponent(start)}&timeout=0`, bob.token);
    const bodies = (seen.body as SyncAnswer['body']).rooms?.join?.[chat]?.timeline.events.map((event) => event.content.body);
    assert.deepEqual(
      bodies,
      [0, 1, 2, 3, 4].flatMap((i) => [`alice ${i}`, `bob ${i}`]),
      'every message arrives, in order',
    );

    const refused = (await Promise.all(idle.slice(500))).filter((answer) => answer.status === 429);
    assert.equal(refused.length, IDLE - 500, 'idle sockets past the per-address limit are refused');
    const cut = await Promise.all(trickled);
    assert.ok(
      cut.every((answer) => answer.status === 408),
      `every trickled body is cut off with 408 (${cut.filter((a) => a.status !== 408).length} were not)`,
    );
  } finally {
    clearInterval(drip);
  }

  // One message wakes every held sync.
  const waker = sleepers[0] as Account;
  await server.call('PUT', `/rooms/${encodeURIComponent(lobby)}/send/m.room.message/wake`, waker.token, {
    msgtype: 'm.text',
    body: 'wake',
  });
  const answers = await Promise.all(polls);
  const woken = answers.filter(
    (answer) => answer.status === 200 && answer.body.rooms?.join?.[lobby]?.timeline.events.some((event) => event.content.body === 'wake'),
  );
  assert.equal(woken.length, SYNCS, 'every held sync answered 200 with the message');
});
