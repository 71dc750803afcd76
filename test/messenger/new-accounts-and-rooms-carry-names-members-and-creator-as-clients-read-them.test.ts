/**
 * What clients written against Synapse read from a new account and a new room: a display
 * name from the start (the localpart), carried into member events; /joined_members with both
 * profile keys for every member; m.room.create naming its creator; and a JSON body accepted
 * whatever Content-Type it came with.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Account, type MessengerNode, startMessengerNode } from '../fixtures/messenger-node.ts';
import { checkResponsesAgainstSpec } from '../fixtures/spec-conformance.ts';

checkResponsesAgainstSpec();

let messenger: MessengerNode;
let alice: Account;
let bob: Account;

before(async () => {
  messenger = await startMessengerNode('names-members-creator');
  alice = await messenger.register('alice');
  bob = await messenger.register('bob');
});
after(() => messenger?.close());

async function stateEvent(token: string, roomId: string, type: string, stateKey = '') {
  return messenger.call('GET', `/rooms/${encodeURIComponent(roomId)}/state/${type}/${encodeURIComponent(stateKey)}`, token);
}

test('a new account’s display name is its localpart, and its member events carry it', async () => {
  assert.deepEqual((await messenger.call('GET', `/profile/${encodeURIComponent(alice.userId)}`, bob.token)).body, { displayname: 'alice' });
  const room = (await messenger.call('POST', '/createRoom', alice.token, { invite: [bob.userId] })).body.room_id as string;
  assert.equal((await stateEvent(alice.token, room, 'm.room.member', alice.userId)).body.displayname, 'alice');
  assert.equal((await stateEvent(alice.token, room, 'm.room.member', bob.userId)).body.displayname, 'bob', 'the invite too');
  await messenger.call('POST', `/join/${encodeURIComponent(room)}`, bob.token, {});
  assert.equal((await stateEvent(bob.token, room, 'm.room.member', bob.userId)).body.displayname, 'bob');
});

test('/joined_members gives every member display_name and avatar_url, null when unset', async () => {
  const room = (await messenger.call('POST', '/createRoom', alice.token, { preset: 'public_chat' })).body.room_id as string;
  await messenger.call('POST', `/join/${encodeURIComponent(room)}`, bob.token, {});
  await messenger.call('PUT', `/profile/${encodeURIComponent(bob.userId)}/avatar_url`, bob.token, { avatar_url: 'mxc://localhost/bob' });
  const members = await messenger.call('GET', `/rooms/${encodeURIComponent(room)}/joined_members`, alice.token);
  assert.deepEqual(members.body, {
    joined: {
      [alice.userId]: { display_name: 'alice', avatar_url: null },
      [bob.userId]: { display_name: 'bob', avatar_url: 'mxc://localhost/bob' },
    },
  });
  await messenger.call('PUT', `/profile/${encodeURIComponent(alice.userId)}/displayname`, alice.token, { displayname: null });
  const unnamed = await messenger.call('GET', `/rooms/${encodeURIComponent(room)}/joined_members`, bob.token);
  assert.deepEqual((unnamed.body.joined as Record<string, unknown>)[alice.userId], { display_name: null, avatar_url: null });
});

test('m.room.create carries the creator beside room version 11’s fields, and a client cannot name another', async () => {
  const created = await messenger.call('POST', '/createRoom', alice.token, {
    creation_content: { creator: bob.userId, 'm.federate': true },
  });
  const content = (await stateEvent(alice.token, created.body.room_id as string, 'm.room.create')).body;
  assert.deepEqual(content, { creator: alice.userId, 'm.federate': true, room_version: '11' });
});

test('a JSON body sent as curl sends it (form-urlencoded) or with no Content-Type is read as JSON', async () => {
  for (const headers of [{ 'content-type': 'application/x-www-form-urlencoded' }, {}] as Record<string, string>[]) {
    const response = await fetch(`${messenger.node.url}/_matrix/client/v3/createRoom`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice.token}`, ...headers },
      body: JSON.stringify({ name: 'from curl' }),
    });
    const body = (await response.json()) as { room_id?: string };
    assert.equal(response.status, 200, JSON.stringify({ headers, body }));
    assert.equal((await stateEvent(alice.token, body.room_id as string, 'm.room.name')).body.name, 'from curl');
  }
  const notJson = await fetch(`${messenger.node.url}/_matrix/client/v3/createRoom`, {
    method: 'POST',
    headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'name=from+a+form',
  });
  assert.equal(notJson.status, 400);
  assert.equal(((await notJson.json()) as { errcode: string }).errcode, 'M_NOT_JSON');
});
