import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ClientEvent, createClient, type MatrixClient, type MatrixError, type MatrixEvent, type Room, SyncState } from 'matrix-js-sdk';
import { type RunningWatan, startWatan } from '../cli/run-watan.ts';

// matrix-js-sdk arms a client-side timeout of (poll timeout + 80 s) for every /sync request and
// never clears it, which would keep this file's process alive long after its tests end. Only
// such long timers are unref'd; every shorter one behaves as usual.
const armTimer = globalThis.setTimeout;
globalThis.setTimeout = ((callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
  const timer = armTimer(callback, ms, ...args);
  if ((ms ?? 0) >= 60_000) timer.unref();
  return timer;
}) as typeof setTimeout;

const dir = mkdtempSync(join(tmpdir(), 'watan-sync-'));
let node: RunningWatan;
const clients: MatrixClient[] = [];

async function registered(username: string): Promise<{ client: MatrixClient; accessToken: string }> {
  const anonymous = createClient({ baseUrl: node.url });
  const session = (
    (await anonymous.registerRequest({ username, password: 'long enough password' }).catch((e: MatrixError) => e.data)) as {
      session: string;
    }
  ).session;
  const account = await anonymous.registerRequest({ username, password: 'long enough password', auth: { type: 'm.login.dummy', session } });
  const client = createClient({
    baseUrl: node.url,
    userId: account.user_id,
    accessToken: account.access_token,
    deviceId: account.device_id,
  });
  clients.push(client);
  return { client, accessToken: account.access_token as string };
}

/** Starts the SDK's own sync loop and resolves once its first sync completed. */
async function started(client: MatrixClient): Promise<void> {
  const ready = new Promise<void>((resolve) => {
    client.on(ClientEvent.Sync, (state: SyncState) => {
      if (state === SyncState.Prepared || state === SyncState.Syncing) resolve();
    });
  });
  await client.startClient({ initialSyncLimit: 20 });
  await ready;
}

function until<T>(what: string, check: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    const poll = () => {
      const value = check();
      if (value !== undefined) return resolve(value);
      if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(poll, 25);
    };
    poll();
  });
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
  await Promise.all([started(alice), started(bob)]);

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
