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

const dir = mkdtempSync(join(tmpdir(), 'watan-members-forget-'));
let node: RunningWatan;

before(async () => {
  node = await startWatan(['--dev', '--data', dir, '--port', '0', '--auth-rate-limit', '1000']);
});
after(async () => {
  await node.kill();
  rmSync(dir, { recursive: true, force: true });
});

const say = (client: MatrixClient, roomId: string, body: string) =>
  client.sendEvent(roomId, 'm.room.message' as never, { msgtype: 'm.text', body } as never);

interface SyncAnswer {
  next_batch: string;
  rooms: { join: Record<string, unknown>; leave: Record<string, unknown> };
}
const sync = (client: MatrixClient, since?: string) =>
  client.http.authedRequest('GET' as never, '/sync', since ? { since } : {}) as Promise<SyncAnswer>;

test('joined_members lists exactly the users joined now, with their display names', async () => {
  const owner = await registeredClient(node.url, 'amna');
  const guest = await registeredClient(node.url, 'babar');
  const invitee = await registeredClient(node.url, 'chand');
  const leaver = await registeredClient(node.url, 'dania');
  await owner.setDisplayName('Amna A.');
  await guest.setDisplayName('Babar B.');
  const { room_id: roomId } = await owner.createRoom({ preset: 'public_chat' as never });
  await guest.joinRoom(roomId);
  await leaver.joinRoom(roomId);
  await leaver.leave(roomId);
  await owner.invite(roomId, invitee.getUserId() as string);

  const { joined } = await guest.getJoinedRoomMembers(roomId);
  assert.deepEqual(joined, {
    [owner.getUserId() as string]: { display_name: 'Amna A.', avatar_url: null },
    [guest.getUserId() as string]: { display_name: 'Babar B.', avatar_url: null },
  });
  assert.equal(await errcodeOf(invitee.getJoinedRoomMembers(roomId)), 'M_FORBIDDEN', 'an invitee is not yet in the room');
  assert.equal(await errcodeOf(leaver.getJoinedRoomMembers(roomId)), 'M_FORBIDDEN', 'someone who left is no longer in it');
});

test('a joined room cannot be forgotten; once left, forgetting removes it from sync and its history from reach', async () => {
  const owner = await registeredClient(node.url, 'ehsan');
  const member = await registeredClient(node.url, 'fariha');
  const { room_id: roomId } = await owner.createRoom({ preset: 'public_chat' as never });
  await member.joinRoom(roomId);
  await say(owner, roomId, 'seen while a member');

  const refused = (await member.http
    .authedRequest('POST' as never, `/rooms/${encodeURIComponent(roomId)}/forget`)
    .catch((error: MatrixError) => error)) as MatrixError;
  assert.equal(refused.errcode, 'M_UNKNOWN');
  assert.equal(refused.httpStatus, 400);

  const beforeLeaving = (await sync(member)).next_batch;
  await member.leave(roomId);
  const history = await member.createMessagesRequest(roomId, null, 50, Direction.Backward);
  assert.ok(
    history.chunk.some((event) => (event.content as { body?: string }).body === 'seen while a member'),
    'before forgetting, the history seen while a member stays readable',
  );
  assert.ok((await sync(member, beforeLeaving)).rooms.leave[roomId], 'the leave is in sync before forgetting');

  await member.forget(roomId);
  assert.equal((await sync(member, beforeLeaving)).rooms.leave[roomId], undefined, 'a forgotten room never appears in sync');
  assert.equal((await sync(member)).rooms.leave[roomId], undefined);
  assert.equal(await errcodeOf(member.createMessagesRequest(roomId, null, 50, Direction.Backward)), 'M_FORBIDDEN');

  await member.joinRoom(roomId);
  const again = await member.createMessagesRequest(roomId, null, 50, Direction.Backward);
  assert.ok(
    again.chunk.some((event) => (event.content as { body?: string }).body === 'seen while a member'),
    'rejoining brings the room back, history and all',
  );
});

test('a banned user may forget the room; forgetting a room one was never in changes nothing', async () => {
  const owner = await registeredClient(node.url, 'ghazala');
  const troll = await registeredClient(node.url, 'haris');
  const { room_id: roomId } = await owner.createRoom({ preset: 'public_chat' as never });
  await troll.joinRoom(roomId);
  await owner.ban(roomId, troll.getUserId() as string);
  await troll.forget(roomId);
  const stranger = await registeredClient(node.url, 'irfan');
  await stranger.forget(roomId);
  assert.equal(await errcodeOf(stranger.createMessagesRequest(roomId, null, 10, Direction.Backward)), 'M_FORBIDDEN');
  assert.equal(await errcodeOf(troll.createMessagesRequest(roomId, null, 10, Direction.Backward)), 'M_FORBIDDEN');
});
