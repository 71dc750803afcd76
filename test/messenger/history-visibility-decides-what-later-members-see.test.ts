import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Direction, type MatrixClient } from 'matrix-js-sdk';
import { type RunningWatan, startWatan } from '../cli/run-watan.ts';
import { registeredClient } from '../fixtures/matrix-clients.ts';
import { checkResponsesAgainstSpec } from '../fixtures/spec-conformance.ts';

checkResponsesAgainstSpec();

const dir = mkdtempSync(join(tmpdir(), 'watan-history-'));
let node: RunningWatan;

before(async () => {
  node = await startWatan(['--dev', '--data', dir, '--port', '0']);
});
after(async () => {
  await node.kill();
  rmSync(dir, { recursive: true, force: true });
});

const say = (client: MatrixClient, roomId: string, body: string) =>
  client.sendEvent(roomId, 'm.room.message' as never, { msgtype: 'm.text', body } as never);

async function bodiesSeen(client: MatrixClient, roomId: string): Promise<string[]> {
  const page = await client.createMessagesRequest(roomId, null, 100, Direction.Backward);
  return page.chunk
    .map((event) => (event.content as { body?: string }).body)
    .filter((body): body is string => body !== undefined)
    .reverse();
}

async function syncedBodies(client: MatrixClient, roomId: string): Promise<string[]> {
  const response = (await client.http.authedRequest('GET' as never, '/sync')) as {
    rooms: { join: Record<string, { timeline: { events: { content: { body?: string } }[] } }> };
  };
  return (response.rooms.join[roomId]?.timeline.events ?? [])
    .map((event) => event.content.body)
    .filter((body): body is string => body !== undefined);
}

async function roomWithVisibility(owner: MatrixClient, visibility: string): Promise<string> {
  const { room_id: roomId } = await owner.createRoom({
    preset: 'public_chat' as never,
    initial_state: [{ type: 'm.room.history_visibility', state_key: '', content: { history_visibility: visibility } }],
  });
  return roomId;
}

test('in a room visible to members only since they joined, a newcomer sees nothing from before', async () => {
  const owner = await registeredClient(node.url, 'iqbal');
  const newcomer = await registeredClient(node.url, 'javed');
  const roomId = await roomWithVisibility(owner, 'joined');
  await say(owner, roomId, 'before javed joined');
  await newcomer.joinRoom(roomId);
  await say(owner, roomId, 'after javed joined');
  assert.deepEqual(await bodiesSeen(newcomer, roomId), ['after javed joined']);
  assert.deepEqual(await syncedBodies(newcomer, roomId), ['after javed joined']);
  assert.deepEqual(await bodiesSeen(owner, roomId), ['before javed joined', 'after javed joined']);
});

test('in a room visible since invitation, an invitee who joins sees from the invitation on', async () => {
  const owner = await registeredClient(node.url, 'kamran');
  const guest = await registeredClient(node.url, 'laila');
  const roomId = await roomWithVisibility(owner, 'invited');
  await say(owner, roomId, 'before the invitation');
  await owner.invite(roomId, guest.getUserId() as string);
  await say(owner, roomId, 'while invited');
  await guest.joinRoom(roomId);
  await say(owner, roomId, 'after joining');
  assert.deepEqual(await bodiesSeen(guest, roomId), ['while invited', 'after joining']);
});

test('in a shared room (the default), a newcomer reads the whole history', async () => {
  const owner = await registeredClient(node.url, 'mehwish');
  const newcomer = await registeredClient(node.url, 'nadeem');
  const roomId = await roomWithVisibility(owner, 'shared');
  await say(owner, roomId, 'long before');
  await newcomer.joinRoom(roomId);
  assert.deepEqual(await bodiesSeen(newcomer, roomId), ['long before']);
});
