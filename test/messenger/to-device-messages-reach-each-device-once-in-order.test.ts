/**
 * Send-to-device messaging (client-server §Send-to-Device messaging): messages are queued per
 * device, delivered by its sync in order of arrival and at most 100 at a time, deleted once
 * the device syncs from a token past them, sent once however often a transaction is retried,
 * and `*` reaches every device of a user. A waiting sync wakes for one.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Account, type MessengerNode, startMessengerNode } from '../fixtures/messenger-node.ts';
import { checkResponsesAgainstSpec } from '../fixtures/spec-conformance.ts';

checkResponsesAgainstSpec();

let server: MessengerNode;
let alice: Account;
let bob: Account;
let bobPhone: Account;

interface Sync {
  next_batch: string;
  to_device: { events: { sender: string; type: string; content: Record<string, unknown> }[] };
}

async function sync(account: Account, since?: string, timeout = 0): Promise<Sync> {
  const query = since ? `?since=${since}&timeout=${timeout}` : '';
  const answer = await server.call('GET', `/sync${query}`, account.token);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body as unknown as Sync;
}

function send(from: Account, type: string, txnId: string, messages: Record<string, Record<string, unknown>>) {
  return server.call('PUT', `/sendToDevice/${type}/${txnId}`, from.token, { messages });
}

before(async () => {
  server = await startMessengerNode('to-device');
  alice = await server.register('alice');
  bob = await server.register('bob');
  bobPhone = await server.login('bob');
});
after(async () => {
  await server.close();
});

test('a message to one device and one to every device (*) arrive with sender, type and content; a retried transaction sends nothing twice', async () => {
  assert.equal((await send(alice, 'm.test', 't1', { [bob.userId]: { '*': { n: 1 } } })).status, 200);
  assert.equal((await send(alice, 'm.test', 't1', { [bob.userId]: { '*': { n: 1 } } })).status, 200, 'the retry succeeds');
  await send(alice, 'm.test', 't2', { [bob.userId]: { [bob.deviceId]: { n: 2 }, '*': { n: 0 } } });
  const laptop = await sync(bob);
  assert.deepEqual(laptop.to_device.events, [
    { sender: alice.userId, type: 'm.test', content: { n: 1 } },
    { sender: alice.userId, type: 'm.test', content: { n: 2 } },
  ]);
  const phone = await sync(bobPhone);
  assert.deepEqual(
    phone.to_device.events.map((event) => event.content),
    [{ n: 1 }, { n: 0 }],
    'the device not named gets the * message',
  );
  assert.deepEqual((await sync(alice)).to_device.events, [], 'nothing for the sender');
});

test('messages stay until the device syncs from a token past them, then are gone', async () => {
  const first = await sync(bobPhone);
  assert.equal(first.to_device.events.length, 2, 'an initial sync, which acknowledges nothing, gets them again');
  const next = await sync(bobPhone, first.next_batch);
  assert.deepEqual(next.to_device.events, [], 'not delivered twice');
  // The deletion goes through the log without holding up the sync; an initial sync shows when it is done.
  for (let tries = 0; (await sync(bobPhone)).to_device.events.length > 0; tries++) {
    assert.ok(tries < 100, 'the acknowledged messages were deleted');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
});

test('a full_state sync from a token gives the rooms afresh but not the messages the token acknowledged', async () => {
  const before = await sync(bob);
  await send(alice, 'm.test', 'full-state', { [bob.userId]: { [bob.deviceId]: { once: true } } });
  const first = await sync(bob, before.next_batch);
  assert.deepEqual(
    first.to_device.events.map((event) => event.content),
    [{ once: true }],
  );
  const full = await server.call('GET', `/sync?since=${first.next_batch}&full_state=true&timeout=0`, bob.token);
  assert.deepEqual((full.body as unknown as Sync).to_device.events, [], 'not delivered a second time');
});

test('150 waiting messages come 100 at a time, in order, none lost', async () => {
  const start = await sync(bob);
  for (let i = 0; i < 150; i++) await send(alice, 'm.count', `c${i}`, { [bob.userId]: { [bob.deviceId]: { i } } });
  const first = await sync(bob, start.next_batch);
  assert.equal(first.to_device.events.length, 100);
  const second = await sync(bob, first.next_batch);
  const third = await sync(bob, second.next_batch);
  assert.deepEqual(third.to_device.events, []);
  assert.deepEqual(
    [...first.to_device.events, ...second.to_device.events].map((event) => event.content.i),
    Array.from({ length: 150 }, (_, i) => i),
  );
});

test('a waiting sync wakes for a to-device message', async () => {
  const { next_batch: since } = await sync(bobPhone);
  const started = Date.now();
  const waiting = sync(bobPhone, since, 20_000);
  await new Promise((resolve) => setTimeout(resolve, 200));
  await send(alice, 'm.ping', 'p1', { [bob.userId]: { [bobPhone.deviceId]: { ping: true } } });
  const answer = await waiting;
  assert.deepEqual(
    answer.to_device.events.map((event) => event.type),
    ['m.ping'],
  );
  assert.ok(Date.now() - started < 10_000, 'it answered when the message came, not at its timeout');
});

test('a device that signs out takes its queue with it', async () => {
  const gone = await server.login('bob');
  await send(alice, 'm.test', 'bye', { [bob.userId]: { [gone.deviceId]: { last: true } } });
  const queued = () =>
    (
      server.node.subnet.query('messenger', 'encryption_sync', { device_id: gone.deviceId }, bob.userId) as {
        to_device: { events: unknown[] };
      }
    ).to_device.events;
  assert.equal(queued().length, 1);
  assert.equal((await server.call('POST', '/logout', gone.token, {})).status, 200);
  assert.deepEqual(queued(), []);
});
