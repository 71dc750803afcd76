import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { MatrixClient, MatrixError } from 'matrix-js-sdk';
import { type RunningWatan, startWatan } from '../cli/run-watan.ts';
import { registeredClient, startSyncing, unrefSdkSyncTimers, until } from '../fixtures/matrix-clients.ts';
import { checkResponsesAgainstSpec } from '../fixtures/spec-conformance.ts';

checkResponsesAgainstSpec();

unrefSdkSyncTimers();

const dir = mkdtempSync(join(tmpdir(), 'watan-relations-'));
let node: RunningWatan;
let alice: MatrixClient;
let bob: MatrixClient;
let roomId: string;

const send = (client: MatrixClient, content: Record<string, unknown>, type = 'm.room.message') =>
  client.sendEvent(roomId, type as never, content as never);
const seenByBob = (eventId: string) => until(`bob sees ${eventId}`, () => bob.getRoom(roomId)?.findEventById(eventId));

before(async () => {
  node = await startWatan(['--dev', '--data', dir, '--port', '0']);
  [alice, bob] = await Promise.all([registeredClient(node.url, 'alice'), registeredClient(node.url, 'bob')]);
  ({ room_id: roomId } = await alice.createRoom({ invite: [bob.getUserId() as string] }));
  await bob.joinRoom(roomId);
  await Promise.all([startSyncing(alice, 50), startSyncing(bob, 50)]);
});
after(async () => {
  alice?.stopClient();
  bob?.stopClient();
  await node.kill();
  rmSync(dir, { recursive: true, force: true });
});

test('an edit, a reply and a reaction arrive related to the message they are about', async () => {
  const { event_id: original } = await send(alice, { msgtype: 'm.text', body: 'Meeting at 10' });
  const { event_id: edit } = await send(alice, {
    msgtype: 'm.text',
    body: '* Meeting at 11',
    'm.new_content': { msgtype: 'm.text', body: 'Meeting at 11' },
    'm.relates_to': { rel_type: 'm.replace', event_id: original },
  });
  const { event_id: reply } = await send(bob, {
    msgtype: 'm.text',
    body: 'Noted',
    'm.relates_to': { 'm.in_reply_to': { event_id: original } },
  });
  const { event_id: reaction } = await send(
    bob,
    { 'm.relates_to': { rel_type: 'm.annotation', event_id: original, key: '👍' } },
    'm.reaction',
  );
  const shown = await seenByBob(original);
  await until('the edit applied in bob’s view', () => shown.getContent().body === 'Meeting at 11');
  assert.equal((await seenByBob(edit)).getRelation()?.rel_type, 'm.replace');
  assert.equal((await seenByBob(reply)).replyEventId, original);
  const annotation = await seenByBob(reaction);
  assert.deepEqual(annotation.getRelation(), { rel_type: 'm.annotation', event_id: original, key: '👍' });
});

test('a redaction empties the message for everyone and says who redacted it', async () => {
  const { event_id: message } = await send(alice, { msgtype: 'm.text', body: 'sent to the wrong room' });
  await seenByBob(message);
  await alice.redactEvent(roomId, message, undefined, { reason: 'wrong room' });
  const shown = await until(
    'the redaction in bob’s view',
    () => bob.getRoom(roomId)?.findEventById(message)?.isRedacted() && bob.getRoom(roomId)?.findEventById(message),
  );
  assert.deepEqual(shown.getContent(), {});
  const page = (await bob.createMessagesRequest(roomId, null, 10, 'b' as never)).chunk.find((event) => event.event_id === message);
  assert.deepEqual(page?.content, {}, 'history serves it redacted too');
  assert.equal((page?.unsigned as { redacted_because?: { sender: string } } | undefined)?.redacted_because?.sender, alice.getUserId());
});

test('bob may redact his own message but not alice’s, and the refusal says why', async () => {
  const { event_id: hers } = await send(alice, { msgtype: 'm.text', body: 'alice speaking' });
  const refusal = await bob.redactEvent(roomId, hers).then(
    () => assert.fail('bob has power level 0'),
    (e: MatrixError) => e,
  );
  assert.equal(refusal.errcode, 'M_FORBIDDEN');
  assert.match(refusal.message, /redacting someone else's event needs 50/);
  const { event_id: his } = await send(bob, { msgtype: 'm.text', body: 'typo' });
  await bob.redactEvent(roomId, his);
});

test('typing notifications arrive and stop', async () => {
  const aliceId = alice.getUserId() as string;
  await alice.sendTyping(roomId, true, 10_000);
  await until('alice typing in bob’s view', () => bob.getRoom(roomId)?.getMember(aliceId)?.typing === true);
  await alice.sendTyping(roomId, false, 0);
  await until('alice stopped typing in bob’s view', () => bob.getRoom(roomId)?.getMember(aliceId)?.typing === false);
});

test('a read receipt arrives, and a private one stays private', async () => {
  const { event_id: message } = await send(bob, { msgtype: 'm.text', body: 'please read' });
  const event = await until('alice sees the message', () => alice.getRoom(roomId)?.findEventById(message));
  await alice.sendReadReceipt(event);
  await until('alice’s receipt in bob’s view', () => bob.getRoom(roomId)?.getEventReadUpTo(alice.getUserId() as string) === message);
  const { event_id: later } = await send(bob, { msgtype: 'm.text', body: 'and this' });
  const laterEvent = await until('alice sees the later message', () => alice.getRoom(roomId)?.findEventById(later));
  await alice.sendReadReceipt(laterEvent, 'm.read.private' as never);
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(bob.getRoom(roomId)?.getEventReadUpTo(alice.getUserId() as string), message, 'bob does not see the private receipt');
});
