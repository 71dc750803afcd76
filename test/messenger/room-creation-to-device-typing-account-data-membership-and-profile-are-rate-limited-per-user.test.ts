/**
 * Issue 11 B4: createRoom, sendToDevice, typing, account data (and tags), invites, kicks and
 * bans, and display-name and avatar changes are limited per user: beyond the limit a request
 * is 429 M_LIMIT_EXCEEDED with retry_after_ms; the count is the user's whichever of their
 * devices or prefixes (v3, r0) asks, and another user is not held back by it.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { UserAction } from '../../src/messenger/index.ts';
import { type Account, type MessengerNode, startMessengerNode } from '../fixtures/messenger-node.ts';

/** Each action allows this many requests per (long) window, so the next one is refused. */
const MAX = 3;
let server: MessengerNode;
let alice: Account;
let alicePhone: Account;
let bob: Account;
let carol: Account;
let room: string;

before(async () => {
  const rate = { max: MAX, windowMs: 10 * 60_000 };
  const actions: UserAction[] = ['createRoom', 'toDevice', 'typing', 'accountData', 'membership', 'profile'];
  server = await startMessengerNode('user-limits', {
    rateLimits: { userActions: Object.fromEntries(actions.map((action) => [action, rate])) },
  });
  alice = await server.register('alice');
  alicePhone = await server.login('alice');
  bob = await server.register('bob');
  carol = await server.register('carol');
  // The room is made by bob, so alice's room creations are hers alone to count.
  room = (await server.call('POST', '/createRoom', bob.token, { preset: 'public_chat' })).body.room_id as string;
  const power = { users: { [bob.userId]: 100, [alice.userId]: 100 } };
  assert.equal((await server.call('POST', `/join/${encodeURIComponent(room)}`, alice.token, {})).status, 200);
  assert.equal((await server.call('PUT', `/rooms/${encodeURIComponent(room)}/state/m.room.power_levels/`, bob.token, power)).status, 200);
});
after(async () => {
  await server.close();
});

/** Calls under either prefix, as a client may. */
async function call(prefix: 'v3' | 'r0', method: string, path: string, token: string, body: unknown) {
  const response = await fetch(`${server.node.url}/_matrix/client/${prefix}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

type Request = [method: string, path: (i: number) => string, body: (i: number) => unknown];

/**
 * Makes MAX requests of an action, alternating alice's devices and the prefixes (all must
 * pass), then one more (refused as M_LIMIT_EXCEEDED with retry_after_ms); then `other` makes
 * the same request and passes.
 */
async function assertLimited(what: string, requests: Request[], other: Account = carol): Promise<void> {
  for (let i = 0; i < MAX; i++) {
    const [method, path, body] = requests[i % requests.length] as Request;
    const answer = await call(i % 2 === 0 ? 'v3' : 'r0', method, path(i), i % 2 === 0 ? alice.token : alicePhone.token, body(i));
    assert.equal(answer.status, 200, `${what} #${i + 1}: ${JSON.stringify(answer.body)}`);
  }
  const [method, path, body] = requests[MAX % requests.length] as Request;
  const refused = await call('v3', method, path(MAX), alicePhone.token, body(MAX));
  assert.equal(refused.status, 429, `${what} past the limit: ${JSON.stringify(refused.body)}`);
  assert.equal(refused.body.errcode, 'M_LIMIT_EXCEEDED');
  assert.ok(typeof refused.body.retry_after_ms === 'number' && refused.body.retry_after_ms > 0, JSON.stringify(refused.body));
  const [otherMethod, otherPath, otherBody] = requests[0] as Request;
  const others = await call(
    'v3',
    otherMethod,
    otherPath(MAX + 1).replace(encodeURIComponent(alice.userId), encodeURIComponent(other.userId)),
    other.token,
    otherBody(MAX + 1),
  );
  assert.notEqual(others.status, 429, `${what}: another user is not held back`);
}

test('room creation', async () => {
  await assertLimited('createRoom', [['POST', () => '/createRoom', () => ({})]]);
});

test('send-to-device messages', async () => {
  await assertLimited('sendToDevice', [
    ['PUT', (i) => `/sendToDevice/m.test/t${i}`, () => ({ messages: { [bob.userId]: { '*': { n: 1 } } } })],
  ]);
});

test('typing notices', async () => {
  const r = encodeURIComponent(room);
  const typing: Request = ['PUT', () => `/rooms/${r}/typing/${encodeURIComponent(alice.userId)}`, () => ({ typing: true, timeout: 1000 })];
  for (let i = 0; i < MAX; i++) {
    const answer = await call(i % 2 === 0 ? 'v3' : 'r0', 'PUT', typing[1](i), alice.token, typing[2](i));
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
  }
  const refused = await call('v3', 'PUT', typing[1](MAX), alicePhone.token, typing[2](MAX));
  assert.equal(refused.status, 429);
  assert.equal(refused.body.errcode, 'M_LIMIT_EXCEEDED');
  const bobTyping = await call('v3', 'PUT', `/rooms/${r}/typing/${encodeURIComponent(bob.userId)}`, bob.token, {
    typing: true,
    timeout: 1000,
  });
  assert.equal(bobTyping.status, 200, 'another user is not held back');
});

test('account data, room account data and tags count together', async () => {
  const u = encodeURIComponent(alice.userId);
  const r = encodeURIComponent(room);
  await assertLimited('account data', [
    ['PUT', (i) => `/user/${u}/account_data/m.test.${i}`, () => ({ n: 1 })],
    ['PUT', (i) => `/user/${u}/rooms/${r}/account_data/m.test.${i}`, () => ({ n: 1 })],
    ['PUT', (i) => `/user/${u}/rooms/${r}/tags/u.tag${i}`, () => ({})],
  ]);
});

test('invites, kicks and bans count together', async () => {
  const r = encodeURIComponent(room);
  await assertLimited(
    'membership',
    [
      ['POST', () => `/rooms/${r}/invite`, () => ({ user_id: carol.userId })],
      ['POST', () => `/rooms/${r}/kick`, () => ({ user_id: carol.userId })],
      ['POST', () => `/rooms/${r}/ban`, () => ({ user_id: carol.userId })],
      ['POST', () => `/rooms/${r}/unban`, () => ({ user_id: carol.userId })],
    ],
    bob,
  );
});

test('display name and avatar changes count together', async () => {
  const u = encodeURIComponent(alice.userId);
  await assertLimited('profile', [
    ['PUT', () => `/profile/${u}/displayname`, (i) => ({ displayname: `Alice ${i}` })],
    ['PUT', () => `/profile/${u}/avatar_url`, (i) => ({ avatar_url: `mxc://localhost/a${i}` })],
  ]);
});
