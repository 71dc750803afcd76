import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type MatrixClient, NotificationCountType } from 'matrix-js-sdk';
import { type RunningWatan, startWatan } from '../cli/run-watan.ts';
import { registeredClient, startSyncing, unrefSdkSyncTimers, until } from '../fixtures/matrix-clients.ts';
import { checkResponsesAgainstSpec } from '../fixtures/spec-conformance.ts';

checkResponsesAgainstSpec();

unrefSdkSyncTimers();

const dir = mkdtempSync(join(tmpdir(), 'watan-unread-'));
let node: RunningWatan;
const syncing: MatrixClient[] = [];

before(async () => {
  node = await startWatan(['--dev', '--data', dir, '--port', '0', '--auth-rate-limit', '1000']);
});
after(async () => {
  for (const client of syncing) client.stopClient();
  await node.kill();
  rmSync(dir, { recursive: true, force: true });
});

type Counts = { notification_count: number; highlight_count: number };

async function countsOf(client: MatrixClient, roomId: string): Promise<Counts | undefined> {
  const response = (await client.http.authedRequest('GET' as never, '/sync')) as {
    rooms: { join: Record<string, { unread_notifications: Counts }> };
  };
  return response.rooms.join[roomId]?.unread_notifications;
}

const send = (client: MatrixClient, roomId: string, content: Record<string, unknown>) =>
  client.sendEvent(roomId, 'm.room.message' as never, { msgtype: 'm.text', ...content } as never);

test('messages from others count until read; notices do not; mentions highlight; a receipt or one’s own message reads', async () => {
  const [alice, bob, carol] = await Promise.all(['u1_alice', 'u1_bob', 'u1_carol'].map((name) => registeredClient(node.url, name)));
  const aliceId = (alice as MatrixClient).getUserId() as string;
  const { room_id: roomId } = await (alice as MatrixClient).createRoom({ preset: 'public_chat' as never });
  await (bob as MatrixClient).joinRoom(roomId);
  await (carol as MatrixClient).joinRoom(roomId);
  assert.deepEqual(await countsOf(alice as MatrixClient, roomId), { notification_count: 0, highlight_count: 0 });

  const first = await send(bob as MatrixClient, roomId, { body: 'one' });
  await send(bob as MatrixClient, roomId, { body: 'two' });
  await send(bob as MatrixClient, roomId, { body: 'a bot notice', msgtype: 'm.notice' });
  await send(carol as MatrixClient, roomId, { body: 'alice, look', 'm.mentions': { user_ids: [aliceId] } });
  assert.deepEqual(await countsOf(alice as MatrixClient, roomId), { notification_count: 3, highlight_count: 1 });
  assert.deepEqual(
    await countsOf(bob as MatrixClient, roomId),
    { notification_count: 1, highlight_count: 0 },
    'bob’s own count holds carol’s message only',
  );

  await (alice as MatrixClient).http.authedRequest(
    'POST' as never,
    `/rooms/${encodeURIComponent(roomId)}/receipt/m.read/${encodeURIComponent(first.event_id)}`,
    undefined,
    {},
  );
  assert.deepEqual(
    await countsOf(alice as MatrixClient, roomId),
    { notification_count: 2, highlight_count: 1 },
    'the receipt reads up to and including its event',
  );

  await send(alice as MatrixClient, roomId, { body: 'I am here' });
  assert.deepEqual(await countsOf(alice as MatrixClient, roomId), { notification_count: 0, highlight_count: 0 }, 'sending reads the room');
});

test('a one-to-one room notifies; a room the reader muted with a room rule does not; matrix-js-sdk shows the counts', async () => {
  const [alice, bob] = await Promise.all(['u2_alice', 'u2_bob'].map((name) => registeredClient(node.url, name)));
  const { room_id: direct } = await (alice as MatrixClient).createRoom({
    preset: 'trusted_private_chat' as never,
    invite: [(bob as MatrixClient).getUserId() as string],
    is_direct: true,
  });
  await (bob as MatrixClient).joinRoom(direct);
  const { room_id: muted } = await (alice as MatrixClient).createRoom({ preset: 'public_chat' as never });
  await (bob as MatrixClient).joinRoom(muted);
  await (alice as MatrixClient).addPushRule('global', 'room' as never, muted, { actions: [] } as never);

  await startSyncing(alice as MatrixClient);
  syncing.push(alice as MatrixClient);
  await send(bob as MatrixClient, direct, { body: 'hi alice' });
  await send(bob as MatrixClient, direct, { body: 'are you there?' });
  await send(bob as MatrixClient, muted, { body: 'noise' });
  await until('two unread in the direct room, in alice’s client', () =>
    (alice as MatrixClient).getRoom(direct)?.getUnreadNotificationCount(NotificationCountType.Total) === 2 ? true : undefined,
  );
  assert.equal((alice as MatrixClient).getRoom(muted)?.getUnreadNotificationCount(NotificationCountType.Total) ?? 0, 0);
  assert.deepEqual(await countsOf(alice as MatrixClient, muted), { notification_count: 0, highlight_count: 0 });
});
