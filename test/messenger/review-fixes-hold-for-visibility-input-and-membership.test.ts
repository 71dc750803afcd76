import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type RunningWatan, startWatan } from '../cli/run-watan.ts';
import { checkResponsesAgainstSpec } from '../fixtures/spec-conformance.ts';

checkResponsesAgainstSpec();

const dir = mkdtempSync(join(tmpdir(), 'watan-fixes-'));
let node: RunningWatan;

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

async function call(method: string, path: string, token?: string, body?: unknown): Promise<Answer> {
  const headers: Record<string, string> = {
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
  };
  const response = await fetch(`${node.url}/_matrix/client/v3${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function user(name: string): Promise<{ id: string; token: string }> {
  const probe = await call('POST', '/register', undefined, {});
  assert.equal(probe.status, 401, 'an empty probe learns the flows');
  const done = await call('POST', '/register', undefined, {
    username: name,
    password: 'long enough',
    auth: { type: 'm.login.dummy', session: probe.body.session },
  });
  return { id: done.body.user_id as string, token: done.body.access_token as string };
}

const room = (id: string) => encodeURIComponent(id);
let txn = 0;
const say = (roomId: string, token: string, content: Record<string, unknown>) =>
  call('PUT', `/rooms/${room(roomId)}/send/m.room.message/t${txn++}`, token, content);
const bodiesSeenBy = async (roomId: string, token: string) => {
  const page = await call('GET', `/rooms/${room(roomId)}/messages?dir=b&limit=100`, token);
  return page.status === 200
    ? (page.body.chunk as { content: { body?: string } }[]).map((e) => e.content.body).filter(Boolean)
    : page.body.errcode;
};

before(async () => {
  node = await startWatan(['--dev', '--data', dir, '--port', '0', '--auth-rate-limit', '1000']);
});
after(async () => {
  await node.kill();
  rmSync(dir, { recursive: true, force: true });
});

test('someone banned before ever joining, or invited and then refusing, reads none of the history', async () => {
  const owner = await user('owner');
  const stranger = await user('stranger');
  const invitee = await user('invitee');
  const { body } = await call('POST', '/createRoom', owner.token, { invite: [invitee.id] });
  const roomId = body.room_id as string;
  await say(roomId, owner.token, { msgtype: 'm.text', body: 'secret plans' });
  await call('POST', `/rooms/${room(roomId)}/ban`, owner.token, { user_id: stranger.id });
  await call('POST', `/rooms/${room(roomId)}/leave`, invitee.token);
  assert.equal(await bodiesSeenBy(roomId, stranger.token), 'M_FORBIDDEN');
  assert.equal(await bodiesSeenBy(roomId, invitee.token), 'M_FORBIDDEN');
  const sync = await call('GET', '/sync', invitee.token);
  const first = sync.body.next_batch as string;
  await say(roomId, owner.token, { msgtype: 'm.text', body: 'more plans' });
  const later = await call('GET', `/sync?since=${first}`, invitee.token);
  assert.deepEqual((later.body.rooms as { leave: object }).leave, {}, 'nothing of the room reaches someone who left before joining');
});

test('a member banned and later unbanned does not read what was said while banned', async () => {
  const owner = await user('owner2');
  const member = await user('member2');
  const roomId = (await call('POST', '/createRoom', owner.token, { preset: 'public_chat' })).body.room_id as string;
  await call('POST', `/rooms/${room(roomId)}/join`, member.token);
  await say(roomId, owner.token, { msgtype: 'm.text', body: 'before the ban' });
  await call('POST', `/rooms/${room(roomId)}/ban`, owner.token, { user_id: member.id });
  await say(roomId, owner.token, { msgtype: 'm.text', body: 'during the ban' });
  await call('POST', `/rooms/${room(roomId)}/unban`, owner.token, { user_id: member.id });
  const seen = (await bodiesSeenBy(roomId, member.token)) as string[];
  assert.ok(seen.includes('before the ban'));
  assert.equal(seen.includes('during the ban'), false);
});

test('content JSON cannot hold is refused with M_BAD_JSON, and content fields named like secrets are just content', async () => {
  const alice = await user('alice3');
  const roomId = (await call('POST', '/createRoom', alice.token, {})).body.room_id as string;
  const float = await say(roomId, alice.token, { msgtype: 'm.text', body: 'x', ratio: 1.5 });
  assert.deepEqual([float.status, float.body.errcode], [400, 'M_BAD_JSON']);
  const tokenField = await say(roomId, alice.token, { msgtype: 'm.text', body: 'verification', token: 'not a secret here' });
  assert.equal(tokenField.status, 200);
  const state = await call('PUT', `/rooms/${room(roomId)}/state/com.example.settings/`, alice.token, {
    password: 'room setting, not a credential',
  });
  assert.equal(state.status, 200);
  const big = await say(roomId, alice.token, { msgtype: 'm.text', body: 'x'.repeat(70_000) });
  assert.deepEqual([big.status, big.body.errcode], [413, 'M_TOO_LARGE']);
});

test('createRoom takes what Element sends for a public room', async () => {
  const alice = await user('alice4');
  const created = await call('POST', '/createRoom', alice.token, {
    preset: 'public_chat',
    visibility: 'public',
    room_alias_name: 'general',
    invite_3pid: [],
    name: 'General',
  });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const byEmail = await call('POST', '/createRoom', alice.token, { invite_3pid: [{ medium: 'email', address: 'a@b.pk' }] });
  assert.deepEqual([byEmail.status, byEmail.body.errcode], [400, 'M_INVALID_PARAM']);
});

test('paginating back from a sync’s next_batch starts with the newest event', async () => {
  const alice = await user('alice5');
  const roomId = (await call('POST', '/createRoom', alice.token, {})).body.room_id as string;
  await say(roomId, alice.token, { msgtype: 'm.text', body: 'newest' });
  const { next_batch: token } = (await call('GET', '/sync', alice.token)).body as { next_batch: string };
  const page = await call('GET', `/rooms/${room(roomId)}/messages?dir=b&limit=1&from=${encodeURIComponent(token)}`, alice.token);
  assert.equal(page.status, 200, JSON.stringify(page.body));
  assert.equal((page.body.chunk as { content: { body?: string } }[])[0]?.content.body, 'newest');
});

test('a since token from further along answers empty and keeps the client’s position', async () => {
  const alice = await user('alice6');
  const ahead = await call('GET', '/sync?since=s999999_t0', alice.token);
  assert.match(ahead.body.next_batch as string, /^s999999_t\d+(_p[0-9a-f]+\.\d+)?$/);
  assert.deepEqual((ahead.body.rooms as { join: object }).join, {});
});

test('changing one’s display name does not make sync resend the whole room', async () => {
  const alice = await user('alice7');
  const roomId = (await call('POST', '/createRoom', alice.token, {})).body.room_id as string;
  const since = (await call('GET', '/sync', alice.token)).body.next_batch as string;
  await call('PUT', `/rooms/${room(roomId)}/state/m.room.member/${encodeURIComponent(alice.id)}`, alice.token, {
    membership: 'join',
    displayname: 'Alice',
  });
  const next = await call('GET', `/sync?since=${since}`, alice.token);
  const joined = (next.body.rooms as { join: Record<string, { state: { events: unknown[] }; timeline: { events: unknown[] } }> }).join[
    roomId
  ];
  assert.equal(joined?.timeline.events.length, 1);
  assert.deepEqual(joined?.state.events, []);
});

test('a send that failed can be retried with the same transaction id once it may succeed', async () => {
  const owner = await user('owner8');
  const late = await user('late8');
  const roomId = (await call('POST', '/createRoom', owner.token, { preset: 'public_chat' })).body.room_id as string;
  const refused = await call('PUT', `/rooms/${room(roomId)}/send/m.room.message/retry`, late.token, { msgtype: 'm.text', body: 'hello' });
  assert.equal(refused.status, 403);
  await call('POST', `/rooms/${room(roomId)}/join`, late.token);
  const retried = await call('PUT', `/rooms/${room(roomId)}/send/m.room.message/retry`, late.token, { msgtype: 'm.text', body: 'hello' });
  assert.equal(retried.status, 200);
  const again = await call('PUT', `/rooms/${room(roomId)}/send/m.room.message/retry`, late.token, { msgtype: 'm.text', body: 'hello' });
  assert.equal(again.body.event_id, retried.body.event_id, 'a success is still answered, not repeated');
});

test('unban does not kick a member, kick does not lift a ban, and join or leave need no body', async () => {
  const owner = await user('owner9');
  const member = await user('member9');
  const roomId = (await call('POST', '/createRoom', owner.token, { preset: 'public_chat' })).body.room_id as string;
  assert.equal((await call('POST', `/rooms/${room(roomId)}/join`, member.token)).status, 200);
  assert.equal((await call('POST', `/rooms/${room(roomId)}/unban`, owner.token, { user_id: member.id })).status, 403);
  await call('POST', `/rooms/${room(roomId)}/ban`, owner.token, { user_id: member.id });
  assert.equal((await call('POST', `/rooms/${room(roomId)}/kick`, owner.token, { user_id: member.id })).status, 403);
  assert.equal((await call('POST', `/rooms/${room(roomId)}/leave`, owner.token)).status, 200);
});

test('a long-poll started before logging out answers with the token refused, not with new events', async () => {
  const alice = await user('alice10');
  const roomId = (await call('POST', '/createRoom', alice.token, {})).body.room_id as string;
  const second = await call('POST', '/login', undefined, {
    type: 'm.login.password',
    identifier: { type: 'm.id.user', user: 'alice10' },
    password: 'long enough',
  });
  const token = second.body.access_token as string;
  const since = (await call('GET', '/sync', token)).body.next_batch as string;
  const waiting = call('GET', `/sync?since=${since}&timeout=10000`, token);
  await new Promise((resolve) => setTimeout(resolve, 100));
  await call('POST', '/logout', token);
  await say(roomId, alice.token, { msgtype: 'm.text', body: 'after logout' });
  const answer = await waiting;
  assert.deepEqual([answer.status, answer.body.errcode], [401, 'M_UNKNOWN_TOKEN']);
});

test('sign-in attempts beyond the limit are answered 429 M_LIMIT_EXCEEDED with when to retry', async () => {
  const limited = await startWatan(['--dev', '--data', join(dir, 'limited'), '--port', '0', '--auth-rate-limit', '3']);
  try {
    const attempt = () =>
      fetch(`${limited.url}/_matrix/client/v3/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'm.login.password', identifier: { type: 'm.id.user', user: 'nobody' }, password: 'wrong password' }),
      });
    for (let i = 0; i < 3; i++) assert.equal((await attempt()).status, 403);
    const refused = await attempt();
    const body = (await refused.json()) as { errcode: string; retry_after_ms: number };
    assert.equal(refused.status, 429);
    assert.equal(body.errcode, 'M_LIMIT_EXCEEDED');
    assert.ok(body.retry_after_ms > 0 && body.retry_after_ms <= 60_000);
  } finally {
    await limited.kill();
  }
});
