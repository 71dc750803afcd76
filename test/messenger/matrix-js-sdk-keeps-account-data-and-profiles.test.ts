import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createClient, type MatrixClient } from 'matrix-js-sdk';
import { type RunningWatan, startWatan } from '../cli/run-watan.ts';
import { errcodeOf, registeredClient, startSyncing, unrefSdkSyncTimers, until } from '../fixtures/matrix-clients.ts';
import { checkResponsesAgainstSpec } from '../fixtures/spec-conformance.ts';

checkResponsesAgainstSpec();

unrefSdkSyncTimers();
const dir = mkdtempSync(join(tmpdir(), 'watan-account-data-'));
let node: RunningWatan;
const running: MatrixClient[] = [];

before(async () => {
  node = await startWatan(['--dev', '--data', dir, '--port', '0']);
});
after(async () => {
  for (const client of running) client.stopClient();
  await node.kill();
  rmSync(dir, { recursive: true, force: true });
});

test('account data set on one device reaches another through sync, globally and per room', async () => {
  const phone = await registeredClient(node.url, 'amna', 'long enough password');
  const laptop = createClient({ baseUrl: node.url });
  const login = await laptop.loginWithPassword('amna', 'long enough password');
  const second = createClient({ baseUrl: node.url, userId: login.user_id, accessToken: login.access_token, deviceId: login.device_id });
  running.push(second);
  await startSyncing(second);
  const { room_id: roomId } = await phone.createRoom({ name: 'Drafts' });
  await phone.setAccountData('org.example.settings' as never, { theme: 'dark' } as never);
  await phone.setRoomAccountData(roomId, 'org.example.note' as never, { text: 'follow up on Monday' } as never);
  await until(
    'the global account data on the laptop',
    () => second.getAccountData('org.example.settings' as never)?.getContent().theme === 'dark',
  );
  await until(
    'the room account data on the laptop',
    () =>
      second
        .getRoom(roomId)
        ?.getAccountData('org.example.note' as never)
        ?.getContent().text === 'follow up on Monday',
  );
  assert.deepEqual(await phone.getAccountDataFromServer('org.example.settings' as never), { theme: 'dark' });
});

test('a user cannot read or write another user’s account data', async () => {
  const one = await registeredClient(node.url, 'bilal');
  const other = await registeredClient(node.url, 'chand');
  const path = `/user/${encodeURIComponent(other.getUserId() as string)}/account_data/org.example.settings`;
  assert.equal(await errcodeOf(one.http.authedRequest('GET' as never, path)), 'M_FORBIDDEN');
  assert.equal(await errcodeOf(one.http.authedRequest('PUT' as never, path, undefined, { theme: 'mine' })), 'M_FORBIDDEN');
});

test('a display name set by its owner is what others read, and only its owner can set it', async () => {
  const dua = await registeredClient(node.url, 'dua');
  const ehsan = await registeredClient(node.url, 'ehsan');
  await dua.setDisplayName('Dua Fatima');
  assert.deepEqual(await ehsan.getProfileInfo(dua.getUserId() as string), { displayname: 'Dua Fatima' });
  const path = `/profile/${encodeURIComponent(dua.getUserId() as string)}/displayname`;
  assert.equal(await errcodeOf(ehsan.http.authedRequest('PUT' as never, path, undefined, { displayname: 'Impostor' })), 'M_FORBIDDEN');
  assert.equal(await errcodeOf(ehsan.getProfileInfo('@nobody:localhost')), 'M_NOT_FOUND');
});

test('room tags, fractional order and all, are kept and reach another device through sync', async () => {
  const phone = await registeredClient(node.url, 'omar', 'long enough password');
  const login = await createClient({ baseUrl: node.url }).loginWithPassword('omar', 'long enough password');
  const laptop = createClient({ baseUrl: node.url, userId: login.user_id, accessToken: login.access_token, deviceId: login.device_id });
  running.push(laptop);
  await startSyncing(laptop);
  const { room_id: roomId } = await phone.createRoom({ name: 'Favourites' });
  await phone.setRoomTag(roomId, 'm.favourite', { order: 0.25 });
  await phone.setRoomTag(roomId, 'u.work', {});
  assert.deepEqual(await phone.getRoomTags(roomId), { tags: { 'm.favourite': { order: 0.25 }, 'u.work': {} } });
  await until('the tags on the laptop', () => laptop.getRoom(roomId)?.tags['m.favourite']?.order === 0.25);
  await phone.deleteRoomTag(roomId, 'u.work');
  assert.deepEqual(await phone.getRoomTags(roomId), { tags: { 'm.favourite': { order: 0.25 } } });
});
