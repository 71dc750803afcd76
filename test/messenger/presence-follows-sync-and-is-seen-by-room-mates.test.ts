import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { MatrixClient } from 'matrix-js-sdk';
import { type RunningWatan, startWatan } from '../cli/run-watan.ts';
import { errcodeOf, registeredClient, startSyncing, unrefSdkSyncTimers, until } from '../fixtures/matrix-clients.ts';
import { checkResponsesAgainstSpec } from '../fixtures/spec-conformance.ts';

checkResponsesAgainstSpec();

unrefSdkSyncTimers();
const dir = mkdtempSync(join(tmpdir(), 'watan-presence-'));
let node: RunningWatan;
const running: MatrixClient[] = [];

before(async () => {
  node = await startWatan(['--dev', '--data', dir, '--port', '0', '--auth-rate-limit', '1000']);
});
after(async () => {
  for (const client of running) client.stopClient();
  await node.kill();
  rmSync(dir, { recursive: true, force: true });
});

/** Makes a room that `owner` and each of `others` have joined. */
async function shareRoom(owner: MatrixClient, ...others: MatrixClient[]): Promise<string> {
  const { room_id: roomId } = await owner.createRoom({ invite: others.map((other) => other.getUserId() as string) });
  for (const other of others) await other.joinRoom(roomId);
  return roomId;
}

interface SyncAnswer {
  next_batch: string;
  presence: { events: { sender: string; content: { presence: string; status_msg?: string } }[] };
}

/** One /sync as a client without the SDK makes it. */
async function sync(client: MatrixClient, query = ''): Promise<SyncAnswer> {
  const response = await fetch(`${node.url}/_matrix/client/v3/sync${query}`, {
    headers: { authorization: `Bearer ${client.getAccessToken()}` },
  });
  assert.equal(response.status, 200);
  return (await response.json()) as SyncAnswer;
}

const status = (reader: MatrixClient, userId: string) =>
  reader.http.authedRequest('GET' as never, `/presence/${encodeURIComponent(userId)}/status`) as Promise<Record<string, unknown>>;

test('a user who syncs is online to a room-mate, in sync and by GET, and a status they set reaches them', async () => {
  const alice = await registeredClient(node.url, 'alice');
  const bob = await registeredClient(node.url, 'bob');
  await shareRoom(alice, bob);
  running.push(alice, bob);
  await startSyncing(alice);
  const bobId = bob.getUserId() as string;
  assert.notEqual(alice.getUser(bobId)?.presence, 'online', 'bob has not synced yet');
  assert.equal((await status(alice, bobId)).presence, 'offline');

  await startSyncing(bob);
  await until('bob online in alice’s sync', () => alice.getUser(bobId)?.presence === 'online');
  const read = await status(alice, bobId);
  assert.equal(read.presence, 'online');
  assert.equal(read.currently_active, true);
  assert.equal(typeof read.last_active_ago, 'number');

  await bob.setPresence({ presence: 'online', status_msg: 'at the cricket' });
  await until('bob’s status in alice’s sync', () => alice.getUser(bobId)?.presenceStatusMsg === 'at the cricket');
  assert.equal((await status(alice, bobId)).status_msg, 'at the cricket');
});

test('a status set without syncing (unavailable, with a message) is what a room-mate sees', async () => {
  const chand = await registeredClient(node.url, 'chand');
  const dua = await registeredClient(node.url, 'dua');
  await shareRoom(chand, dua);
  const { next_batch: since } = await sync(chand);
  await dua.setPresence({ presence: 'unavailable', status_msg: 'back at four' });
  const answer = await sync(chand, `?since=${since}&timeout=5000`);
  const news = answer.presence.events.find((event) => event.sender === dua.getUserId());
  assert.deepEqual(news && { presence: news.content.presence, status_msg: news.content.status_msg }, {
    presence: 'unavailable',
    status_msg: 'back at four',
  });
});

test('a waiting sync wakes when a room-mate comes online, but not for a room-mate who merely keeps syncing', async () => {
  const ehsan = await registeredClient(node.url, 'ehsan');
  const fahad = await registeredClient(node.url, 'fahad');
  await shareRoom(ehsan, fahad);
  const { next_batch: since } = await sync(ehsan);

  const started = Date.now();
  const waiting = sync(ehsan, `?since=${since}&timeout=20000`);
  await new Promise((resolve) => setTimeout(resolve, 200));
  await sync(fahad, '?timeout=0');
  const woken = await waiting;
  assert.ok(Date.now() - started < 10_000, 'the wait ended when fahad came online');
  assert.deepEqual(
    woken.presence.events.map((event) => [event.sender, event.content.presence]),
    [[fahad.getUserId(), 'online']],
  );

  const quietStart = Date.now();
  const quiet = sync(ehsan, `?since=${woken.next_batch}&timeout=2500`);
  for (let i = 0; i < 5; i += 1) {
    await sync(fahad, '?timeout=0');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const answered = await quiet;
  assert.ok(Date.now() - quietStart >= 2_000, 'fahad’s repeated syncs did not wake ehsan');
  assert.deepEqual(answered.presence.events, []);
});

test('a client syncing with set_presence=offline is not marked online', async () => {
  const gul = await registeredClient(node.url, 'gul');
  const hina = await registeredClient(node.url, 'hina');
  await shareRoom(gul, hina);
  await sync(hina, '?set_presence=offline');
  assert.equal((await status(gul, hina.getUserId() as string)).presence, 'offline');
  const refused = await fetch(`${node.url}/_matrix/client/v3/sync?set_presence=invisible`, {
    headers: { authorization: `Bearer ${hina.getAccessToken()}` },
  });
  assert.equal(refused.status, 400);
  assert.equal(((await refused.json()) as { errcode: string }).errcode, 'M_INVALID_PARAM');
});

test('presence is set only by its owner, read only by those who share a room, and checked', async () => {
  const imran = await registeredClient(node.url, 'imran');
  const javed = await registeredClient(node.url, 'javed');
  const path = (userId: string) => `/presence/${encodeURIComponent(userId)}/status`;
  const put = (client: MatrixClient, userId: string, body: unknown) =>
    errcodeOf(client.http.authedRequest('PUT' as never, path(userId), undefined, body as never));
  assert.equal(await put(imran, javed.getUserId() as string, { presence: 'offline' }), 'M_FORBIDDEN');
  assert.equal(await put(imran, imran.getUserId() as string, { presence: 'asleep' }), 'M_BAD_JSON');
  assert.equal(await put(imran, imran.getUserId() as string, { status_msg: 'no state' }), 'M_BAD_JSON');
  assert.equal(await errcodeOf(status(imran, javed.getUserId() as string)), 'M_FORBIDDEN', 'they share no room');
  assert.equal(await errcodeOf(status(imran, '@nobody:localhost')), 'M_NOT_FOUND');
  assert.equal((await status(imran, imran.getUserId() as string)).presence, 'offline', 'anyone may read their own');
});

test('after many presence changes elsewhere, a sync tells of its room-mates’ changes and its own, and of no stranger', async () => {
  const kamran = await registeredClient(node.url, 'kamran');
  const laila = await registeredClient(node.url, 'laila');
  const stranger = await registeredClient(node.url, 'majid');
  await shareRoom(kamran, laila);
  const { next_batch: since } = await sync(kamran);
  // Far more changes than a token is compared against one by one: the sync looks through kamran's room-mates instead.
  for (let i = 0; i < 80; i += 1) await stranger.setPresence({ presence: 'online', status_msg: `change ${i}` });
  await laila.setPresence({ presence: 'unavailable', status_msg: 'in a meeting' });
  await kamran.setPresence({ presence: 'online', status_msg: 'around' });
  const answer = await sync(kamran, `?since=${since}&timeout=0`);
  assert.deepEqual(answer.presence.events.map((event) => [event.sender, event.content.presence, event.content.status_msg]).sort(), [
    [kamran.getUserId(), 'online', 'around'],
    [laila.getUserId(), 'unavailable', 'in a meeting'],
  ]);
  // From a token after all that, nothing is news.
  const later = await sync(kamran, `?since=${answer.next_batch}&timeout=0`);
  assert.deepEqual(later.presence.events, []);
});
