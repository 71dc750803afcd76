import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { MatrixClient, MatrixEvent, Room } from 'matrix-js-sdk';
import { type RunningWatan, startWatan } from '../cli/run-watan.ts';
import { registeredClient, startSyncing, unrefSdkSyncTimers, until } from '../fixtures/matrix-clients.ts';
import { checkResponsesAgainstSpec } from '../fixtures/spec-conformance.ts';

checkResponsesAgainstSpec();

unrefSdkSyncTimers();

const dir = mkdtempSync(join(tmpdir(), 'watan-sync-'));
let node: RunningWatan;
const clients: MatrixClient[] = [];

async function registered(username: string): Promise<{ client: MatrixClient; accessToken: string }> {
  const client = await registeredClient(node.url, username);
  clients.push(client);
  return { client, accessToken: client.getAccessToken() as string };
}

const bodies = (room: Room | null) =>
  (room?.getLiveTimeline().getEvents() ?? [])
    .filter((event: MatrixEvent) => event.getType() === 'm.room.message')
    .map((event) => event.getContent().body as string);

before(async () => {
  node = await startWatan(['--dev', '--data', dir, '--port', '0']);
});
after(async () => {
  for (const client of clients) client.stopClient();
  await node.kill();
  rmSync(dir, { recursive: true, force: true });
});

test('bob sees alice’s invite through sync, joins, and 50 messages each way arrive in order on both sides', async () => {
  const { client: alice } = await registered('alice');
  const { client: bob } = await registered('bob');
  await Promise.all([startSyncing(alice), startSyncing(bob)]);

  const { room_id: roomId } = await alice.createRoom({ name: 'Provincial liaison', invite: [bob.getUserId() as string] });
  await until('the invite in bob’s sync', () => (bob.getRoom(roomId)?.getMyMembership() === 'invite' ? true : undefined));
  await bob.joinRoom(roomId);
  await until('bob joined in alice’s view', () =>
    alice.getRoom(roomId)?.getMember(bob.getUserId() as string)?.membership === 'join' ? true : undefined,
  );

  const expected: string[] = [];
  for (let i = 0; i < 50; i++) {
    for (const [name, client] of [
      ['alice', alice],
      ['bob', bob],
    ] as const) {
      const body = `${name} ${i}`;
      expected.push(body);
      await client.sendEvent(roomId, 'm.room.message' as never, { msgtype: 'm.text', body } as never);
    }
  }
  for (const client of [alice, bob]) {
    await until('all 100 messages', () => (bodies(client.getRoom(roomId)).length >= 100 ? true : undefined));
    assert.deepEqual(bodies(client.getRoom(roomId)), expected);
  }
  // Their sync loops would otherwise keep retrying against the node the next test restarts.
  alice.stopClient();
  bob.stopClient();
});

test('a since token stays valid across a restart: the next sync returns what happened in between', async () => {
  const { client: carol, accessToken } = await registered('carol');
  const { room_id: roomId } = await carol.createRoom({ name: 'Notes' });
  const sync = async (since?: string) => {
    const url = `${node.url}/_matrix/client/v3/sync${since ? `?since=${since}&timeout=0` : ''}`;
    return (await (await fetch(url, { headers: { authorization: `Bearer ${accessToken}` } })).json()) as {
      next_batch: string;
      rooms: { join: Record<string, { timeline: { events: { content: { body?: string } }[] } }> };
    };
  };
  const first = await sync();
  assert.ok(first.rooms.join[roomId], 'the new room is in the initial sync');
  const quiet = await sync(first.next_batch);
  assert.deepEqual(quiet.rooms.join, {}, 'nothing new, nothing returned');
  await carol.sendEvent(roomId, 'm.room.message' as never, { msgtype: 'm.text', body: 'written before the restart' } as never);
  await node.stop('SIGTERM');
  node = await startWatan(['--dev', '--data', dir, '--port', '0']);
  const resumed = await sync(first.next_batch);
  const timeline = resumed.rooms.join[roomId]?.timeline.events.map((event) => event.content.body);
  assert.deepEqual(timeline, ['written before the restart']);
});

test('a sync with a timeout waits for the next event instead of answering empty', async () => {
  const { client: dan, accessToken } = await registered('dan');
  const { room_id: roomId } = await dan.createRoom({});
  const headers = { authorization: `Bearer ${accessToken}` };
  const { next_batch: since } = (await (await fetch(`${node.url}/_matrix/client/v3/sync`, { headers })).json()) as { next_batch: string };
  const waiting = fetch(`${node.url}/_matrix/client/v3/sync?since=${since}&timeout=10000`, { headers }).then((r) => r.json());
  await new Promise((resolve) => setTimeout(resolve, 200));
  await dan.sendEvent(roomId, 'm.room.message' as never, { msgtype: 'm.text', body: 'wake up' } as never);
  const answered = (await waiting) as { rooms: { join: Record<string, { timeline: { events: { content: { body?: string } }[] } }> } };
  assert.deepEqual(
    answered.rooms.join[roomId]?.timeline.events.map((event) => event.content.body),
    ['wake up'],
  );
});
