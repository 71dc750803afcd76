/**
 * The fully read marker (client-server §Read markers): set through /read_markers or
 * /receipt/m.fully_read, kept as the room's m.fully_read account data with the event id,
 * sent to the user's other clients by sync, and refused to someone not in the room.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Account, type MessengerNode, startMessengerNode } from '../fixtures/messenger-node.ts';
import { checkResponsesAgainstSpec } from '../fixtures/spec-conformance.ts';

checkResponsesAgainstSpec();

let messenger: MessengerNode;
let alice: Account;
let bob: Account;
let roomId: string;
let room: string;
const sent: string[] = [];

before(async () => {
  messenger = await startMessengerNode('fully-read');
  alice = await messenger.register('alice');
  bob = await messenger.register('bob');
  roomId = (await messenger.call('POST', '/createRoom', alice.token, {})).body.room_id as string;
  room = encodeURIComponent(roomId);
  for (const body of ['one', 'two', 'three']) {
    const answer = await messenger.call('PUT', `/rooms/${room}/send/m.room.message/${body}`, alice.token, { msgtype: 'm.text', body });
    sent.push(answer.body.event_id as string);
  }
});
after(() => messenger?.close());

const marker = () =>
  messenger.call('GET', `/user/${encodeURIComponent(alice.userId)}/rooms/${room}/account_data/m.fully_read`, alice.token);

test('/read_markers keeps m.fully_read as room account data, and another device’s sync receives it', async () => {
  const phone = await messenger.login('alice');
  const since = (await messenger.call('GET', '/sync', phone.token)).body.next_batch as string;
  assert.deepEqual(await messenger.call('POST', `/rooms/${room}/read_markers`, alice.token, { 'm.fully_read': sent[1] }), {
    status: 200,
    body: {},
  });
  assert.deepEqual((await marker()).body, { event_id: sent[1] });
  const sync = await messenger.call('GET', `/sync?since=${encodeURIComponent(since)}&timeout=0`, phone.token);
  const rooms = sync.body.rooms as { join: Record<string, { account_data: { events: unknown[] } }> };
  assert.deepEqual(rooms.join[roomId]?.account_data.events, [{ type: 'm.fully_read', content: { event_id: sent[1] } }]);
});

test('/receipt/m.fully_read moves the marker the same way', async () => {
  assert.equal(
    (await messenger.call('POST', `/rooms/${room}/receipt/m.fully_read/${encodeURIComponent(sent[2] as string)}`, alice.token, {})).status,
    200,
  );
  assert.deepEqual((await marker()).body, { event_id: sent[2] });
});

test('someone not in the room is refused, and the marker must name an event of the room', async () => {
  const refused = await messenger.call('POST', `/rooms/${room}/read_markers`, bob.token, { 'm.fully_read': sent[0] });
  assert.equal(refused.status, 403);
  assert.equal(refused.body.errcode, 'M_FORBIDDEN');
  const byReceipt = await messenger.call(
    'POST',
    `/rooms/${room}/receipt/m.fully_read/${encodeURIComponent(sent[0] as string)}`,
    bob.token,
    {},
  );
  assert.equal(byReceipt.body.errcode, 'M_FORBIDDEN');
  const elsewhere = (await messenger.call('POST', '/createRoom', alice.token, {})).body.room_id as string;
  const unknown = await messenger.call('POST', `/rooms/${encodeURIComponent(elsewhere)}/read_markers`, alice.token, {
    'm.fully_read': sent[0],
  });
  assert.equal(unknown.status, 404);
  assert.deepEqual((await marker()).body, { event_id: sent[2] }, 'nothing moved it');
});

test('a client cannot set m.fully_read as account data directly', async () => {
  const direct = await messenger.call(
    'PUT',
    `/user/${encodeURIComponent(alice.userId)}/rooms/${room}/account_data/m.fully_read`,
    alice.token,
    { event_id: sent[0] },
  );
  assert.equal(direct.status, 400);
  assert.deepEqual((await marker()).body, { event_id: sent[2] });
});
