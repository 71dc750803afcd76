/**
 * matrix-js-sdk with its Rust crypto against `watan start`: Olm sessions set up through
 * /keys/upload, /keys/query, /keys/claim and to-device messages, Megolm room keys shared that
 * way, and every message decrypted on every device that should read it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type MatrixClient, MsgType } from 'matrix-js-sdk';
import { assertDataFolderHoldsNone } from '../fixtures/data-folder-search.ts';
import { NOT_DECRYPTED, registeredClient, shownBodies, signedInClient, until } from '../fixtures/matrix-clients.ts';
import { assertReplayReproduces } from '../fixtures/replay-data-folder.ts';
import { watanForClients } from '../fixtures/watan-for-clients.ts';

// Request logs on, so that "the logs" below are more than warnings.
process.env.WATAN_LOG_LEVEL = 'info';
const watan = watanForClients('e2e');
const { dir, clients } = watan;
/** Every message body the clients sent: none of them may reach the server's disk or its logs. */
const plaintextsSent: string[] = [];

test('alice and bob exchange 20 messages each way in an encrypted room, and a second device of bob decrypts what follows', async () => {
  const alice = await watan.encrypted(registeredClient(watan.node.url, 'alice'));
  const bob = await watan.encrypted(registeredClient(watan.node.url, 'bob'));
  const { room_id: roomId } = await alice.createRoom({
    name: 'Cabinet',
    invite: [bob.getSafeUserId()],
    initial_state: [{ type: 'm.room.encryption', state_key: '', content: { algorithm: 'm.megolm.v1.aes-sha2' } }],
  });
  await until('the invite in bob’s sync', () => bob.getRoom(roomId)?.getMyMembership() === 'invite');
  await bob.joinRoom(roomId);
  await until('bob joined in alice’s view', () => alice.getRoom(roomId)?.getMember(bob.getSafeUserId())?.membership === 'join');

  const expected: string[] = [];
  for (let i = 0; i < 20; i++) {
    for (const [name, client] of [
      ['alice', alice],
      ['bob', bob],
    ] as const) {
      const body = `${name} secret ${i}`;
      expected.push(body);
      plaintextsSent.push(body);
      await client.sendMessage(roomId, { msgtype: MsgType.Text, body });
    }
  }
  for (const [name, client] of [
    ['alice', alice],
    ['bob', bob],
  ] as const) {
    const seen = await until(`${name} decrypting all 40 messages`, () => {
      const texts = shownBodies(client, roomId);
      return texts.length >= 40 && !texts.includes(NOT_DECRYPTED) ? texts : undefined;
    });
    assert.deepEqual(seen, expected, `${name} reads every message, in order`);
  }
  // The server stored ciphertext: what /messages serves for the room is m.room.encrypted only.
  const served = await fetch(`${watan.node.url}/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/messages?dir=b&limit=100`, {
    headers: { authorization: `Bearer ${alice.getAccessToken()}` },
  });
  const chunk = ((await served.json()) as { chunk: { type: string; event_id: string; content: unknown }[] }).chunk;
  assert.ok(!chunk.some((event) => event.type === 'm.room.message'), 'no message reached the server in the clear');
  const ciphertexts = chunk.filter((event) => event.type === 'm.room.encrypted');
  assert.equal(ciphertexts.length, 40);
  // Served unchanged: each is the ciphertext bob's client holds for it.
  for (const event of ciphertexts) assert.deepEqual(event.content, bob.getRoom(roomId)?.findEventById(event.event_id)?.getWireContent());

  // Bob signs in on a second device; alice's client hears of it through device_lists and shares the room key with it.
  const bobPhone = await watan.encrypted(signedInClient(watan.node.url, bob.getSafeUserId()));
  const phoneId = bobPhone.getDeviceId() as string;
  await until('alice knowing bob’s new device', async () => {
    const devices = await alice.getCrypto()?.getUserDeviceInfo([bob.getSafeUserId()]);
    return devices?.get(bob.getSafeUserId())?.has(phoneId) ? true : undefined;
  });
  await until('bob’s phone in the room', () => bobPhone.getRoom(roomId)?.getMyMembership() === 'join');
  const later = ['alice after the phone 1', 'alice after the phone 2'];
  for (const body of later) await alice.sendMessage(roomId, { msgtype: MsgType.Text, body });
  await bobPhone.sendMessage(roomId, { msgtype: MsgType.Text, body: 'bob from the phone' });
  const tail = [...later, 'bob from the phone'];
  plaintextsSent.push(...tail);
  for (const [name, client] of [
    ['alice', alice],
    ['bob', bob],
    ['bob’s phone', bobPhone],
  ] as const) {
    const seen = await until(`${name} decrypting the messages sent after the phone signed in`, () => {
      const texts = shownBodies(client, roomId);
      return tail.every((body) => texts.includes(body)) ? texts : undefined;
    });
    assert.deepEqual(seen.slice(-3), tail, `${name} reads them in order`);
  }
});

test('unread notification counts count encrypted messages in a one-to-one room, and a read receipt clears them', async () => {
  const [alice, bob] = clients as [MatrixClient, MatrixClient];
  const roomId = alice.getRooms().find((room) => room.name === 'Cabinet')?.roomId as string;
  const counts = async () => {
    const answer = await fetch(`${watan.node.url}/_matrix/client/v3/sync`, {
      headers: { authorization: `Bearer ${bob.getAccessToken()}` },
    });
    const synced = (await answer.json()) as { rooms: { join: Record<string, { unread_notifications: { notification_count: number } }> } };
    return synced.rooms.join[roomId]?.unread_notifications.notification_count;
  };
  const unread = ['are you there? 1', 'are you there? 2', 'are you there? 3'];
  plaintextsSent.push(...unread);
  let last = '';
  for (const body of unread) last = (await alice.sendMessage(roomId, { msgtype: MsgType.Text, body })).event_id;
  // Ciphertext to the server: the specification's rule for encrypted events in rooms of two notifies.
  assert.equal(await counts(), 3);
  await until('bob decrypting them', () => unread.every((body) => shownBodies(bob, roomId).includes(body)));
  const lastEvent = bob.getRoom(roomId)?.findEventById(last);
  assert.ok(lastEvent);
  await bob.sendReadReceipt(lastEvent);
  assert.equal(await counts(), 0);
});

test('the data folder (database, log, media) and the node’s logs hold none of the plaintexts', async () => {
  assert.equal(plaintextsSent.length, 46, 'the tests above ran');
  for (const client of clients) client.stopClient();
  const logs = Buffer.from(watan.node.stdout() + watan.node.stderr());
  // A clean stop, so that nothing is left only in memory: the write-ahead logs are checkpointed or on disk either way.
  await watan.node.stop('SIGTERM');
  // The control: what is not encrypted (a room's name is state, sent in the clear) is found by the same search.
  assertDataFolderHoldsNone(dir, plaintextsSent, 'Cabinet');
  assert.ok(logs.length > 0, 'the node logged its requests');
  for (const plaintext of plaintextsSent) assert.equal(logs.indexOf(plaintext), -1, `the node's output holds "${plaintext}"`);
});

test('replaying the node’s log reproduces every result and digest: the key checks are deterministic', () => {
  assertReplayReproduces(dir);
});
