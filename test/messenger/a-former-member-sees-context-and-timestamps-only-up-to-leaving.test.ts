/**
 * Issue 11 B2: someone who left a room reads its history only up to their leaving. /context
 * around an event they saw answers the state at the events it returns — not a topic set
 * after they left, nor later memberships — and /timestamp_to_event refuses them (403, as for
 * a non-member) for a time after they left, while it still finds what they saw.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Account, type MessengerNode, startMessengerNode } from '../fixtures/messenger-node.ts';

let server: MessengerNode;
let alice: Account;
let bob: Account;
let carol: Account;
let room: string;
let seen: string;
let leftAt: number;

interface Event {
  event_id: string;
  type: string;
  state_key?: string;
  origin_server_ts: number;
  content: Record<string, unknown>;
}

before(async () => {
  server = await startMessengerNode('former-member');
  alice = await server.register('alice');
  bob = await server.register('bob');
  carol = await server.register('carol');
  room = (await server.call('POST', '/createRoom', alice.token, { preset: 'public_chat', topic: 'before' })).body.room_id as string;
  const r = encodeURIComponent(room);
  await server.call('POST', `/join/${r}`, bob.token, {});
  seen = (await server.call('PUT', `/rooms/${r}/send/m.room.message/seen`, alice.token, { msgtype: 'm.text', body: 'seen' })).body
    .event_id as string;
  const leave = await server.call('POST', `/rooms/${r}/leave`, bob.token, {});
  assert.equal(leave.status, 200);
  const left = (await server.call('GET', `/rooms/${r}/messages?dir=b&limit=1`, alice.token)).body.chunk as Event[];
  leftAt = (left[0] as Event).origin_server_ts;
  await server.call('PUT', `/rooms/${r}/state/m.room.topic/`, alice.token, { topic: 'after bob left' });
  await server.call('POST', `/join/${r}`, carol.token, {});
  for (let i = 0; i < 3; i++)
    await server.call('PUT', `/rooms/${r}/send/m.room.message/later${i}`, alice.token, { msgtype: 'm.text', body: `later ${i}` });
});
after(async () => {
  await server.close();
});

/** timestamp_to_event is versioned under /_matrix/client/v1. */
async function v1(path: string, token: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${server.node.url}/_matrix/client/v1${path}`, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(30_000),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

test('/context for a former member carries the state at the events it returns, not the current state', async () => {
  const answer = await server.call('GET', `/rooms/${encodeURIComponent(room)}/context/${encodeURIComponent(seen)}?limit=10`, bob.token);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  const events = [answer.body.event, ...(answer.body.events_before as Event[]), ...(answer.body.events_after as Event[])] as Event[];
  assert.ok(!events.some((event) => String(event.content.body).startsWith('later')), 'no event after the leave is returned');
  const state = answer.body.state as Event[];
  const topic = state.find((event) => event.type === 'm.room.topic');
  assert.equal(topic?.content.topic, 'before', 'the topic as it was, not one set after bob left');
  assert.ok(
    !state.some((event) => event.type === 'm.room.member' && event.state_key === carol.userId),
    'no membership from after the leave',
  );
  const returnedIds = new Set(events.map((event) => event.event_id));
  assert.ok(
    state.every(
      (event) => event.origin_server_ts <= Math.max(...events.filter((e) => returnedIds.has(e.event_id)).map((e) => e.origin_server_ts)),
    ),
    'every state event is from no later than the returned events',
  );
});

test('/context for a member still shows the current state at the newest events', async () => {
  const answer = await server.call('GET', `/rooms/${encodeURIComponent(room)}/context/${encodeURIComponent(seen)}?limit=20`, alice.token);
  assert.equal(answer.status, 200);
  assert.equal((answer.body.state as Event[]).find((event) => event.type === 'm.room.topic')?.content.topic, 'after bob left');
});

test('/timestamp_to_event answers a former member 403 for a time after they left, and finds what they saw', async () => {
  const r = encodeURIComponent(room);
  for (const dir of ['f', 'b']) {
    const answer = await v1(`/rooms/${r}/timestamp_to_event?ts=${leftAt + 1}&dir=${dir}`, bob.token);
    assert.equal(answer.status, 403, `dir=${dir}: ${JSON.stringify(answer.body)}`);
    assert.equal(answer.body.errcode, 'M_FORBIDDEN');
  }
  const stranger = await server.register('dave');
  const nonMember = await v1(`/rooms/${r}/timestamp_to_event?ts=${leftAt + 1}&dir=f`, stranger.token);
  assert.equal(nonMember.status, 403, 'as for a non-member');
  const before = await v1(`/rooms/${r}/timestamp_to_event?ts=${leftAt - 1}&dir=b`, bob.token);
  assert.equal(before.status, 200, JSON.stringify(before.body));
});
