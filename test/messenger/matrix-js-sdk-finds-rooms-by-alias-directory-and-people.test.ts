import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createClient, type MatrixClient } from 'matrix-js-sdk';
import { type RunningWatan, startWatan } from '../cli/run-watan.ts';
import { errcodeOf, registeredClient } from '../fixtures/matrix-clients.ts';
import { checkResponsesAgainstSpec } from '../fixtures/spec-conformance.ts';

checkResponsesAgainstSpec();

const dir = mkdtempSync(join(tmpdir(), 'watan-directory-'));
let node: RunningWatan;
let alice: MatrixClient;
let bob: MatrixClient;
let roomId: string;

before(async () => {
  node = await startWatan(['--dev', '--data', dir, '--port', '0']);
  [alice, bob] = await Promise.all([registeredClient(node.url, 'alice'), registeredClient(node.url, 'bob')]);
  await alice.setDisplayName('Alice Qureshi');
  ({ room_id: roomId } = await alice.createRoom({
    room_alias_name: 'diwan',
    visibility: 'public' as never,
    preset: 'public_chat' as never,
    name: 'Diwan',
    topic: 'Open discussion',
  }));
});
after(async () => {
  await node.kill();
  rmSync(dir, { recursive: true, force: true });
});

test('a room created with an alias is found by it, and joined by it', async () => {
  const resolved = await createClient({ baseUrl: node.url }).getRoomIdForAlias('#diwan:localhost');
  assert.equal(resolved.room_id, roomId);
  assert.deepEqual(await alice.getStateEvent(roomId, 'm.room.canonical_alias', ''), { alias: '#diwan:localhost' });
  await bob.joinRoom('#diwan:localhost');
  assert.deepEqual(await bob.getJoinedRooms(), { joined_rooms: [roomId] });
  assert.equal(await errcodeOf(alice.createAlias('#diwan:localhost', roomId)), 'M_ROOM_IN_USE');
  assert.equal(await errcodeOf(bob.deleteAlias('#diwan:localhost')), 'M_FORBIDDEN');
});

test('the public directory lists public rooms with their names and members, searchable, until taken out', async () => {
  const listing = await createClient({ baseUrl: node.url }).publicRooms({});
  const entry = listing.chunk.find((room) => room.room_id === roomId);
  assert.equal(entry?.name, 'Diwan');
  assert.equal(entry?.canonical_alias, '#diwan:localhost');
  assert.equal(entry?.num_joined_members, 2);
  const searched = await alice.publicRooms({ filter: { generic_search_term: 'discuss' } });
  assert.deepEqual(
    searched.chunk.map((room) => room.room_id),
    [roomId],
  );
  assert.equal(await errcodeOf(bob.setRoomDirectoryVisibility(roomId, 'private' as never)), 'M_FORBIDDEN');
  await alice.setRoomDirectoryVisibility(roomId, 'private' as never);
  assert.deepEqual((await alice.publicRooms({})).chunk, []);
});

test('people are found by name among those one shares a room with, and only there', async () => {
  const carol = await registeredClient(node.url, 'carol');
  const found = await bob.searchUserDirectory({ term: 'qureshi' });
  assert.deepEqual(found.results, [{ user_id: '@alice:localhost', display_name: 'Alice Qureshi' }]);
  assert.deepEqual(
    (await carol.searchUserDirectory({ term: 'qureshi' })).results,
    [],
    'the room is no longer public and carol is in none of alice’s rooms',
  );
});
