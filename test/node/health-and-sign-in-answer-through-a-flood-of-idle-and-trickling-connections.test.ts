/**
 * Issue 11 B3: slow bodies and connection floods. One address may hold only so many
 * connections (the rest get 429 M_LIMIT_EXCEEDED); all addresses together only so many (idle
 * ones give way to new ones); a body trickled byte by byte and a socket that never sends a
 * request are cut off with a JSON 408 once their time is up. Through all of it, from another
 * address, /_watan/v1/health and /login answer. Bounded: a few hundred loopback sockets from
 * 127.0.0.x addresses, with timeouts of a second or two.
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { type MessengerNode, startMessengerNode } from '../fixtures/messenger-node.ts';
import { answerOf, openSocket, type RawAnswer } from '../fixtures/raw-http.ts';

/** Generous beside the timeouts under test; a node that never cuts anyone off fails here instead of hanging. */
const BOUNDED = { timeout: 30_000 };
const LIMITS = { total: 120, perAddress: 30, headersTimeoutMs: 1_000, requestTimeoutMs: 2_000 };
let server: MessengerNode;
const sockets: Socket[] = [];

before(async () => {
  server = await startMessengerNode('flood', { connectionLimits: LIMITS });
  await server.register('alice');
});
after(async () => {
  for (const socket of sockets) socket.destroy();
  await server.close();
});

async function flood(from: string, count: number): Promise<{ socket: Socket; answer: Promise<RawAnswer> }[]> {
  const opened = [];
  for (let i = 0; i < count; i++) {
    const socket = await openSocket(server.node.url, from);
    sockets.push(socket);
    opened.push({ socket, answer: answerOf(socket) });
  }
  return opened;
}

function openConnections(): Promise<number> {
  return new Promise((resolve, reject) =>
    server.node.server.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  );
}

async function signInAndCheckHealth(): Promise<void> {
  const health = await fetch(`${server.node.url}/_watan/v1/health`, { signal: AbortSignal.timeout(10_000) });
  assert.equal(health.status, 200);
  const login = await server.login('alice');
  assert.ok(login.token, 'alice signs in');
}

test(
  'one address gets at most its share; the rest are refused with 429 M_LIMIT_EXCEEDED, and health and sign-in still answer',
  BOUNDED,
  async () => {
    const idle = await flood('127.0.0.2', 80);
    const refused = await Promise.all(idle.slice(LIMITS.perAddress).map(({ answer }) => answer));
    for (const answer of refused) {
      assert.equal(answer.status, 429);
      assert.equal((answer.body as { errcode: string }).errcode, 'M_LIMIT_EXCEEDED');
    }
    await signInAndCheckHealth();
  },
);

test(
  'past the total, idle connections give way to new ones, so health and sign-in answer; the count never passes the limit',
  BOUNDED,
  async () => {
    const spread = [];
    for (const from of ['127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6', '127.0.0.7'])
      spread.push(...(await flood(from, LIMITS.perAddress)));
    assert.ok((await openConnections()) <= LIMITS.total, 'the node holds no more than its total');
    await signInAndCheckHealth();
    assert.ok((await openConnections()) <= LIMITS.total);
  },
);

test('a trickled body and a socket that never sends a request are cut off with a JSON 408 when their time is up', BOUNDED, async () => {
  const [trickled] = await flood('127.0.0.8', 1);
  const [silent] = await flood('127.0.0.9', 1);
  assert.ok(trickled && silent);
  trickled.socket.write(
    'POST /_matrix/client/v3/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{',
  );
  const drip = setInterval(() => trickled.socket.writable && trickled.socket.write(' '), 200);
  try {
    // No timing is asserted: each socket must end, answered, before the test's own time runs out.
    const cut = await trickled.answer;
    assert.equal(cut.status, 408, JSON.stringify(cut));
    assert.match(String((cut.body as { errcode?: string }).errcode), /^M_/);
    const quiet = await silent.answer;
    assert.ok(quiet.status === 0 || quiet.status === 408, `a silent socket is closed (${quiet.status})`);
  } finally {
    clearInterval(drip);
  }
  await signInAndCheckHealth();
});
