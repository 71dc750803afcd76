import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Direction, type MatrixClient, type MatrixError } from 'matrix-js-sdk';
import { type RunningWatan, startWatan } from '../cli/run-watan.ts';
import { errcodeOf, registeredClient } from '../fixtures/matrix-clients.ts';
import { checkResponsesAgainstSpec } from '../fixtures/spec-conformance.ts';

checkResponsesAgainstSpec();

const dir = mkdtempSync(join(tmpdir(), 'watan-rooms-'));
let node: RunningWatan;
let alice: MatrixClient;
let bob: MatrixClient;
let mallory: MatrixClient;
let roomId: string;

before(async () => {
  node = await startWatan(['--dev', '--data', dir, '--port', '0']);
  [alice, bob, mallory] = await Promise.all([
    registeredClient(node.url, 'alice'),
    registeredClient(node.url, 'bob'),
    registeredClient(node.url, 'mallory'),
  ]);
});
after(async () => {
  await node.kill();
  rmSync(dir, { recursive: true, force: true });
});

test('alice creates a named room and its state says what she asked for', async () => {
  ({ room_id: roomId } = await alice.createRoom({
    name: 'Cabinet Division',
    topic: 'Weekly coordination',
    preset: 'private_chat' as never,
  }));
  assert.match(roomId, /^![A-Za-z]{18}:localhost$/);
  assert.deepEqual(await alice.getStateEvent(roomId, 'm.room.name', ''), { name: 'Cabinet Division' });
  assert.deepEqual(await alice.getStateEvent(roomId, 'm.room.join_rules', ''), { join_rule: 'invite' });
  const state = (await alice.roomState(roomId)) as { type: string }[];
  assert.deepEqual(state.map((event) => event.type).sort(), [
    'm.room.create',
    'm.room.guest_access',
    'm.room.history_visibility',
    'm.room.join_rules',
    'm.room.member',
    'm.room.name',
    'm.room.power_levels',
    'm.room.topic',
  ]);
  assert.deepEqual(await alice.getJoinedRooms(), { joined_rooms: [roomId] });
});

test('bob cannot join an invite-only room uninvited, and can once alice invites him', async () => {
  assert.equal(
    await errcodeOf(bob.http.authedRequest('POST' as never, `/rooms/${encodeURIComponent(roomId)}/join`, undefined, {})),
    'M_FORBIDDEN',
  );
  await alice.invite(roomId, bob.getUserId() as string);
  await bob.http.authedRequest('POST' as never, `/rooms/${encodeURIComponent(roomId)}/join`, undefined, {});
  assert.deepEqual(await bob.getJoinedRooms(), { joined_rooms: [roomId] });
});

test('messages sent by both arrive in order, page by page, back to the room’s creation', async () => {
  for (let i = 0; i < 12; i++) {
    const sender = i % 2 === 0 ? alice : bob;
    await sender.sendEvent(roomId, 'm.room.message' as never, { msgtype: 'm.text', body: `message ${i}` } as never, `txn-${i}`);
  }
  const bodies: string[] = [];
  const types: string[] = [];
  let from: string | null = null;
  for (let page = 0; page < 10; page++) {
    const response = await bob.createMessagesRequest(roomId, from, 5, Direction.Backward);
    for (const event of response.chunk) {
      types.push(event.type);
      if (event.type === 'm.room.message') bodies.push((event.content as { body: string }).body);
    }
    if (!response.end) break;
    from = response.end;
  }
  assert.deepEqual(
    bodies.reverse(),
    Array.from({ length: 12 }, (_, i) => `message ${i}`),
  );
  assert.equal(types.at(-1), 'm.room.create', 'pagination reaches the room’s creation');
});

test('retrying a send with the same transaction id gives back the same event, not a second one', async () => {
  const first = await alice.sendEvent(roomId, 'm.room.message' as never, { msgtype: 'm.text', body: 'once' } as never, 'retry-me');
  const again = await alice.sendEvent(roomId, 'm.room.message' as never, { msgtype: 'm.text', body: 'once' } as never, 'retry-me');
  assert.equal(again.event_id, first.event_id);
  const latest = await alice.createMessagesRequest(roomId, null, 2, Direction.Backward);
  assert.equal(latest.chunk.filter((event) => (event.content as { body?: string }).body === 'once').length, 1);
});

test('someone outside the room can neither read nor write it', async () => {
  assert.equal(await errcodeOf(mallory.createMessagesRequest(roomId, null, 5, Direction.Backward)), 'M_FORBIDDEN');
  assert.equal(await errcodeOf(mallory.sendEvent(roomId, 'm.room.message' as never, { body: 'hi' } as never, 'x')), 'M_FORBIDDEN');
  assert.equal(await errcodeOf(mallory.roomState(roomId)), 'M_FORBIDDEN');
});

test('a member below the needed power level cannot rename the room, and the reason says why', async () => {
  const error = await bob.setRoomName(roomId, 'Renamed').then(
    () => assert.fail('bob has power level 0'),
    (e: MatrixError) => e,
  );
  assert.equal(error.errcode, 'M_FORBIDDEN');
  assert.match(error.message, /power level 0.*50/);
});

test('after a kick, bob can no longer send, but still reads history up to his leaving', async () => {
  await alice.kick(roomId, bob.getUserId() as string, 'rotation');
  assert.equal(
    await errcodeOf(bob.sendEvent(roomId, 'm.room.message' as never, { body: 'still here?' } as never, 'after-kick')),
    'M_FORBIDDEN',
  );
  await alice.sendEvent(roomId, 'm.room.message' as never, { msgtype: 'm.text', body: 'after bob left' } as never, 'after-bob');
  const page = await bob.createMessagesRequest(roomId, null, 50, Direction.Backward);
  const bodies = page.chunk.map((event) => (event.content as { body?: string }).body);
  assert.ok(bodies.includes('message 0'));
  assert.equal(bodies.includes('after bob left'), false);
});
