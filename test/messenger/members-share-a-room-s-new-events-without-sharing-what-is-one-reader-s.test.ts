import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Account, type MessengerNode, startMessengerNode } from '../fixtures/messenger-node.ts';

// A room's new events are read and formatted once for all its members' syncs. What belongs
// to one reader must still reach only that reader (the sender's transaction id), and a
// redaction must reach every later sync, whoever's sync read the event first.

let server: MessengerNode;
let alice: Account;
let bob: Account;
let carol: Account;
let roomId: string;

interface SyncedEvent {
  event_id: string;
  type: string;
  content: Record<string, unknown>;
  unsigned?: Record<string, unknown>;
}

const room = (id: string) => encodeURIComponent(id);

async function sync(account: Account, since?: string): Promise<{ next_batch: string; events: SyncedEvent[] }> {
  const answer = await server.call('GET', `/sync${since === undefined ? '' : `?since=${encodeURIComponent(since)}`}`, account.token);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  const joined = (answer.body.rooms as { join: Record<string, { timeline: { events: SyncedEvent[] } }> }).join;
  return { next_batch: answer.body.next_batch as string, events: joined[roomId]?.timeline.events ?? [] };
}

before(async () => {
  server = await startMessengerNode('shared-room-work');
  alice = await server.register('alice');
  bob = await server.register('bob');
  carol = await server.register('carol');
  roomId = (await server.call('POST', '/createRoom', alice.token, { invite: [bob.userId, carol.userId] })).body.room_id as string;
  await server.call('POST', `/join/${room(roomId)}`, bob.token, {});
  await server.call('POST', `/join/${room(roomId)}`, carol.token, {});
});
after(async () => {
  await server.close();
});

test('the sender’s device alone gets its transaction id, whichever member syncs first', async () => {
  const [aliceSince, bobSince] = [await sync(alice), await sync(bob)];
  await server.call('PUT', `/rooms/${room(roomId)}/send/m.room.message/first`, alice.token, { msgtype: 'm.text', body: 'one' });
  const bobFirst = (await sync(bob, bobSince.next_batch)).events.find((event) => event.content.body === 'one');
  const aliceThen = (await sync(alice, aliceSince.next_batch)).events.find((event) => event.content.body === 'one');
  assert.equal(bobFirst?.unsigned?.transaction_id, undefined);
  assert.equal(aliceThen?.unsigned?.transaction_id, 'first');
  const [aliceAgain, bobAgain] = [await sync(alice), await sync(bob)];
  await server.call('PUT', `/rooms/${room(roomId)}/send/m.room.message/second`, alice.token, { msgtype: 'm.text', body: 'two' });
  const aliceFirst = (await sync(alice, aliceAgain.next_batch)).events.find((event) => event.content.body === 'two');
  const bobThen = (await sync(bob, bobAgain.next_batch)).events.find((event) => event.content.body === 'two');
  assert.equal(aliceFirst?.unsigned?.transaction_id, 'second');
  assert.equal(bobThen?.unsigned?.transaction_id, undefined);
});

test('an event redacted after one member’s sync read it reaches a later sync redacted', async () => {
  const [bobSince, carolSince] = [await sync(bob), await sync(carol)];
  const { event_id: eventId } = (
    await server.call('PUT', `/rooms/${room(roomId)}/send/m.room.message/secret`, alice.token, { msgtype: 'm.text', body: 'oops' })
  ).body as { event_id: string };
  const read = (await sync(bob, bobSince.next_batch)).events.find((event) => event.event_id === eventId);
  assert.equal(read?.content.body, 'oops');
  await server.call('PUT', `/rooms/${room(roomId)}/redact/${encodeURIComponent(eventId)}/r1`, alice.token, {});
  const later = (await sync(carol, carolSince.next_batch)).events;
  const redacted = later.find((event) => event.event_id === eventId);
  assert.deepEqual(redacted?.content, {}, 'the content is gone');
  assert.ok(redacted?.unsigned?.redacted_because, 'and the redaction is named');
  assert.ok(later.some((event) => event.type === 'm.room.redaction'));
});
