import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { WAKE_BATCH, waitingSyncs } from '../../src/messenger/index.ts';
import { type Account, type MessengerNode, startMessengerNode } from '../fixtures/messenger-node.ts';

// Readers before writers, in bounded turns: a block that wakes more syncs than one turn answers
// lets the event loop read new requests between turns, and a write that arrives then must wait
// until every sync the block woke has been answered. The proof is in what the answers carry, not
// in when they came: a write taken between turns would land in a block of its own before the
// last turns' syncs are worked out, and those answers would carry it too.

let server: MessengerNode;
let reader: Account;
let writer: Account;
let roomId: string;

const room = (id: string) => encodeURIComponent(id);
/** More long-polls than three turns answer, so that requests are read between turns. */
const WAITING = WAKE_BATCH * 3 + 7;

before(async () => {
  server = await startMessengerNode('readers-first');
  reader = await server.register('reader');
  writer = await server.register('writer');
  roomId = (await server.call('POST', '/createRoom', writer.token, { invite: [reader.userId] })).body.room_id as string;
  await server.call('POST', `/join/${room(roomId)}`, reader.token, {});
});
after(async () => {
  await server.close();
});

type Answer = { next_batch: string; rooms: { join: Record<string, { timeline: { events: { event_id: string }[] } }> } };

test('every sync a message wakes is answered with it before a write sent as it was applied is taken', async () => {
  const since = (await server.call('GET', '/sync', reader.token)).body.next_batch as string;
  const answers = Array.from({ length: WAITING }, () =>
    server.call('GET', `/sync?since=${encodeURIComponent(since)}&timeout=30000`, reader.token).then(({ status, body }) => {
      assert.equal(status, 200, JSON.stringify(body));
      return body as unknown as Answer;
    }),
  );
  // Every long-poll must be waiting before the message, or it would not be woken by it.
  while (waitingSyncs(server.node.subnet) < WAITING) await new Promise((resolve) => setTimeout(resolve, 20));

  // The next write leaves the moment the message's block is applied, while its woken syncs wait for their turns.
  let next: Promise<{ status: number; body: Record<string, unknown> }> | undefined;
  const stop = server.node.subnet.onApplied(() => {
    next ??= server.call('PUT', `/rooms/${room(roomId)}/send/m.room.message/second`, writer.token, { msgtype: 'm.text', body: 'second' });
  });
  const first = await server.call('PUT', `/rooms/${room(roomId)}/send/m.room.message/first`, writer.token, {
    msgtype: 'm.text',
    body: 'first',
  });
  stop();
  const woken = await Promise.all(answers);
  const second = await (next as Promise<{ status: number; body: Record<string, unknown> }>);
  assert.equal(second.status, 200, JSON.stringify(second.body));

  const carried = woken.map((answer) => answer.rooms.join[roomId]?.timeline.events.map((event) => event.event_id));
  const late = carried.filter((events) => events?.includes(second.body.event_id as string)).length;
  assert.equal(late, 0, `${late} of ${WAITING} woken syncs were answered after the next write was taken`);
  for (const events of carried) assert.deepEqual(events, [first.body.event_id]);
  assert.equal(new Set(woken.map((answer) => answer.next_batch)).size, 1, 'every woken sync is answered at the same position');
});
