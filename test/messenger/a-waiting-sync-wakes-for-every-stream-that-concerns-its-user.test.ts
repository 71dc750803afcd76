import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Account, type MessengerNode, startMessengerNode } from '../fixtures/messenger-node.ts';

// Waiting syncs are woken from the streams' own positions, not from what a command's result
// names. Each test starts a long-poll, lets it settle into waiting, makes one change in one
// stream, and expects the answer to carry it: a sync the change did not wake answers at its
// timeout without it. (Should the change land before the request waits, the answer carries it
// too: the pause only makes the wake the likely path, the test never depends on it.)

let server: MessengerNode;
let reader: Account;
let readerPhone: Account;
let mate: Account;
let stranger: Account;
let roomId: string;

const LONG_POLL_MS = 20_000;
const room = (id: string) => encodeURIComponent(id);
let txn = 0;

async function tokenOf(account: Account): Promise<string> {
  return (await server.call('GET', '/sync', account.token)).body.next_batch as string;
}

/** Starts a long-poll from the account's current token; `answer` resolves once something wakes it. */
async function waitingSync(account: Account): Promise<{ answer: Promise<Record<string, unknown>> }> {
  const since = await tokenOf(account);
  const answer = server
    .call('GET', `/sync?since=${encodeURIComponent(since)}&timeout=${LONG_POLL_MS}`, account.token)
    .then(({ status, body }) => {
      assert.equal(status, 200, JSON.stringify(body));
      return body;
    });
  await new Promise((resolve) => setTimeout(resolve, 300));
  // Wrapped, so that awaiting the start does not await the answer.
  return { answer };
}

type Joined = Record<string, { timeline: { events: { type: string }[] }; ephemeral: { events: { type: string }[] } }>;
const joined = (body: Record<string, unknown>) => (body.rooms as { join: Joined }).join;

before(async () => {
  server = await startMessengerNode('wakes');
  reader = await server.register('reader');
  readerPhone = await server.login('reader');
  mate = await server.register('mate');
  stranger = await server.register('stranger');
  roomId = (await server.call('POST', '/createRoom', mate.token, { invite: [reader.userId] })).body.room_id as string;
  await server.call('POST', `/join/${room(roomId)}`, reader.token, {});
});
after(async () => {
  await server.close();
});

test('a room-mate’s message wakes the reader, and the send answers only its event id', async () => {
  const { answer } = await waitingSync(reader);
  const sent = await server.call('PUT', `/rooms/${room(roomId)}/send/m.room.message/w${txn++}`, mate.token, {
    msgtype: 'm.text',
    body: 'hello',
  });
  assert.deepEqual(Object.keys(sent.body), ['event_id'], 'nothing else enters the certified result');
  const events = joined(await answer)[roomId]?.timeline.events ?? [];
  assert.deepEqual(
    events.map((event) => event.type),
    ['m.room.message'],
  );
});

test('an invite wakes the invitee, who is in no room with the inviter', async () => {
  const { answer } = await waitingSync(stranger);
  const created = await server.call('POST', '/createRoom', mate.token, { invite: [stranger.userId] });
  assert.deepEqual(Object.keys(created.body), ['room_id']);
  assert.ok((created.body.room_id as string) in ((await answer).rooms as { invite: object }).invite);
});

test('a room-mate’s read receipt wakes the reader', async () => {
  const { event_id: eventId } = (
    await server.call('PUT', `/rooms/${room(roomId)}/send/m.room.message/w${txn++}`, reader.token, { msgtype: 'm.text', body: 'read me' })
  ).body as { event_id: string };
  const { answer } = await waitingSync(reader);
  const receipt = await server.call('POST', `/rooms/${room(roomId)}/receipt/m.read/${encodeURIComponent(eventId)}`, mate.token, {});
  assert.deepEqual(receipt.body, {});
  const ephemeral = joined(await answer)[roomId]?.ephemeral.events ?? [];
  assert.deepEqual(
    ephemeral.map((event) => event.type),
    ['m.receipt'],
  );
});

test('account data and a room tag set on the reader’s phone wake the reader’s other device', async () => {
  const { answer: global } = await waitingSync(reader);
  await server.call('PUT', `/user/${room(reader.userId)}/account_data/org.example.theme`, readerPhone.token, { dark: true });
  assert.deepEqual(
    ((await global).account_data as { events: { type: string }[] }).events.map((event) => event.type),
    ['org.example.theme'],
  );
  const { answer: tagged } = await waitingSync(reader);
  await server.call('PUT', `/user/${room(reader.userId)}/rooms/${room(roomId)}/tags/m.favourite`, readerPhone.token, { order: 0.5 });
  const roomData = (joined(await tagged)[roomId] as unknown as { account_data: { events: { type: string }[] } }).account_data.events;
  assert.deepEqual(
    roomData.map((event) => event.type),
    ['m.tag'],
  );
});

test('a to-device message from a stranger wakes the device it is for', async () => {
  const { answer } = await waitingSync(reader);
  const sent = await server.call('PUT', `/sendToDevice/org.example.ping/w${txn++}`, stranger.token, {
    messages: { [reader.userId]: { [reader.deviceId]: { n: 1 } } },
  });
  assert.deepEqual(sent.body, {});
  const toDevice = ((await answer).to_device as { events: { type: string; sender: string }[] }).events;
  assert.deepEqual(
    toDevice.map((event) => [event.type, event.sender]),
    [['org.example.ping', stranger.userId]],
  );
});

test('a room-mate starting to type wakes the reader', async () => {
  const { answer } = await waitingSync(reader);
  await server.call('PUT', `/rooms/${room(roomId)}/typing/${room(mate.userId)}`, mate.token, { typing: true, timeout: 10_000 });
  const ephemeral = joined(await answer)[roomId]?.ephemeral.events ?? [];
  assert.deepEqual(ephemeral, [{ type: 'm.typing', content: { user_ids: [mate.userId] } }]);
  await server.call('PUT', `/rooms/${room(roomId)}/typing/${room(mate.userId)}`, mate.token, { typing: false });
});

test('being kicked wakes the one kicked, whose rooms no longer include the room', async () => {
  const { answer } = await waitingSync(reader);
  const kicked = await server.call('POST', `/rooms/${room(roomId)}/kick`, mate.token, { user_id: reader.userId });
  assert.deepEqual(kicked.body, {});
  assert.ok(roomId in ((await answer).rooms as { leave: object }).leave);
});
