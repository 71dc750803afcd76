import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createClient, type MatrixClient } from 'matrix-js-sdk';
import { type RunningWatan, startWatan } from '../cli/run-watan.ts';
import { registeredClient } from '../fixtures/matrix-clients.ts';
import { checkResponsesAgainstSpec } from '../fixtures/spec-conformance.ts';

checkResponsesAgainstSpec();

const dir = mkdtempSync(join(tmpdir(), 'watan-sync-state-'));
let node: RunningWatan;

before(async () => {
  node = await startWatan(['--dev', '--data', dir, '--port', '0', '--auth-rate-limit', '1000']);
});
after(async () => {
  await node.kill();
  rmSync(dir, { recursive: true, force: true });
});

interface SyncedEvent {
  type: string;
  sender: string;
  state_key?: string;
  content: Record<string, unknown>;
}
interface SyncedRoom {
  summary?: Record<string, unknown>;
  state: { events: SyncedEvent[] };
  timeline: { events: SyncedEvent[]; limited: boolean };
}
interface SyncResponse {
  next_batch: string;
  rooms: { join: Record<string, SyncedRoom>; leave: Record<string, SyncedRoom> };
}

const sync = (client: MatrixClient, filter: object, since?: string) =>
  client.http.authedRequest('GET' as never, '/sync', {
    filter: JSON.stringify(filter),
    ...(since ? { since } : {}),
  }) as Promise<SyncResponse>;

const say = (client: MatrixClient, roomId: string, body: string) =>
  client.sendEvent(roomId, 'm.room.message' as never, { msgtype: 'm.text', body } as never);

const members = (room: SyncedRoom | undefined) =>
  (room?.state.events ?? []).filter((event) => event.type === 'm.room.member').map((event) => event.state_key);

/** A room of four (alice, bob, carol, dave) named "first", twelve messages, renamed "second", two more. */
async function busyRoom(
  prefix: string,
): Promise<{ roomId: string; alice: MatrixClient; bob: MatrixClient; carol: MatrixClient; dave: MatrixClient }> {
  const [alice, bob, carol, dave] = await Promise.all(
    ['alice', 'bob', 'carol', 'dave'].map((name) => registeredClient(node.url, `${prefix}_${name}`)),
  );
  const { room_id: roomId } = await (alice as MatrixClient).createRoom({ preset: 'public_chat' as never, name: 'first' });
  for (const client of [bob, carol, dave]) await (client as MatrixClient).joinRoom(roomId);
  for (let i = 0; i < 12; i++) await say(i % 2 === 0 ? (alice as MatrixClient) : (bob as MatrixClient), roomId, `message ${i}`);
  await (alice as MatrixClient).setRoomName(roomId, 'second');
  await say(bob as MatrixClient, roomId, 'after the rename 1');
  await say(bob as MatrixClient, roomId, 'after the rename 2');
  return { roomId, alice: alice as MatrixClient, bob: bob as MatrixClient, carol: carol as MatrixClient, dave: dave as MatrixClient };
}

test('a limited timeline comes with the state as it was where the timeline starts, not the current state', async () => {
  const { roomId, carol } = await busyRoom('s1');
  const room = (await sync(carol, { room: { timeline: { limit: 5 } } })).rooms.join[roomId];
  assert.ok(room?.timeline.limited);
  const names = (events: SyncedEvent[]) => events.filter((event) => event.type === 'm.room.name').map((event) => event.content.name);
  assert.deepEqual(names(room.timeline.events), ['second'], 'the rename is in the timeline');
  assert.deepEqual(names(room.state.events), ['first'], 'the state section holds the name before the timeline');
  assert.deepEqual(members(room).sort(), ['@s1_alice:localhost', '@s1_bob:localhost', '@s1_carol:localhost', '@s1_dave:localhost']);
  assert.deepEqual(room.summary?.['m.joined_member_count'], 4);
  assert.deepEqual(room.summary?.['m.invited_member_count'], 0);
});

test('with lazy loading, membership comes only for the timeline’s senders and the reader, and later for new senders', async () => {
  const { roomId, carol, dave } = await busyRoom('s2');
  const lazy = { room: { timeline: { limit: 2 }, state: { lazy_load_members: true } } };
  const first = await sync(carol, lazy);
  const room = first.rooms.join[roomId];
  assert.deepEqual(members(room).sort(), ['@s2_bob:localhost', '@s2_carol:localhost'], 'bob sent the last two; carol reads');
  assert.deepEqual(room?.summary?.['m.joined_member_count'], 4, 'the summary still counts everyone');
  const heroes = (room?.summary?.['m.heroes'] ?? []) as string[];
  assert.equal(heroes.length, 3, 'the other three members are the heroes');
  assert.ok(!heroes.includes('@s2_carol:localhost'), 'the reader is not their own hero');

  await say(dave, roomId, 'dave speaks at last');
  const next = await sync(carol, lazy, first.next_batch);
  assert.deepEqual(members(next.rooms.join[roomId]), ['@s2_dave:localhost'], 'dave’s older membership is sent with his first message');
});

test('a timeline filter lets only the asked types through and says when there were more', async () => {
  const { roomId, carol } = await busyRoom('s3');
  const room = (await sync(carol, { room: { timeline: { types: ['m.room.name'], limit: 1 } } })).rooms.join[roomId];
  assert.deepEqual(
    room?.timeline.events.map((event) => event.content.name),
    ['second'],
  );
  assert.equal(room?.timeline.limited, true, 'the earlier rename was left out by the limit');
});

test('rooms can be excluded, and left rooms come in an initial sync only when include_leave asks', async () => {
  const { roomId, carol } = await busyRoom('s4');
  assert.equal((await sync(carol, { room: { not_rooms: [roomId] } })).rooms.join[roomId], undefined);
  await carol.leave(roomId);
  assert.equal((await sync(carol, {})).rooms.leave[roomId], undefined);
  const left = (await sync(carol, { room: { include_leave: true, timeline: { limit: 2 } } })).rooms.leave[roomId];
  assert.ok(left, 'the left room is there');
  assert.equal(left.timeline.events.at(-1)?.content.membership, 'leave', 'its timeline ends with carol leaving');
  assert.ok(left.state.events.some((event) => event.type === 'm.room.name' && event.content.name === 'second'));
});

test('a transaction id is echoed only to the device that sent it, not to another user’s device of the same name', async () => {
  const erin = await registeredClient(node.url, 's5_erin');
  const frank = await registeredClient(node.url, 's5_frank');
  const { room_id: roomId } = await erin.createRoom({ preset: 'public_chat' as never });
  await frank.joinRoom(roomId);
  // frank signs in again on a device he names like erin's.
  const login = (await frank.loginRequest({
    type: 'm.login.password',
    identifier: { type: 'm.id.user', user: 's5_frank' },
    password: 'long enough password',
    device_id: erin.getDeviceId() as string,
  } as never)) as { access_token: string };
  const twin = createClient({ baseUrl: node.url, userId: frank.getUserId() as string, accessToken: login.access_token });
  await erin.sendEvent(roomId, 'm.room.message' as never, { msgtype: 'm.text', body: 'from erin' } as never, 'erin-txn-1');
  const transactionIds = async (client: MatrixClient) =>
    ((await sync(client, {})).rooms.join[roomId]?.timeline.events ?? [])
      .filter((event) => event.content.body === 'from erin')
      .map((event) => (event as { unsigned?: { transaction_id?: string } }).unsigned?.transaction_id);
  assert.deepEqual(await transactionIds(erin), ['erin-txn-1']);
  assert.deepEqual(await transactionIds(twin), [undefined]);
});

test('a state change the timeline filter leaves out still reaches the client in the state section', async () => {
  const { roomId, carol, alice } = await busyRoom('s6');
  const messagesOnly = { room: { timeline: { types: ['m.room.message'] } } };
  const first = await sync(carol, messagesOnly);
  await alice.setRoomName(roomId, 'third');
  const next = await sync(carol, messagesOnly, first.next_batch);
  const room = next.rooms.join[roomId];
  assert.deepEqual(room?.timeline.events, []);
  assert.deepEqual(
    room?.state.events.filter((event) => event.type === 'm.room.name').map((event) => event.content.name),
    ['third'],
  );
});

test('full_state with a token sends every room’s whole state, while the timeline still starts at the token', async () => {
  const { roomId, carol, bob } = await busyRoom('s7');
  const first = await sync(carol, {});
  await say(bob, roomId, 'one more');
  const response = (await carol.http.authedRequest('GET' as never, '/sync', {
    since: first.next_batch,
    full_state: 'true',
  })) as SyncResponse;
  const room = response.rooms.join[roomId];
  assert.deepEqual(
    room?.timeline.events.map((event) => event.content.body),
    ['one more'],
    'only what came after the token',
  );
  assert.equal(room?.timeline.limited, false);
  assert.ok(
    room?.state.events.some((event) => event.type === 'm.room.create'),
    'the whole state, from the creation on',
  );
  assert.equal(members(room).length, 4);
});
