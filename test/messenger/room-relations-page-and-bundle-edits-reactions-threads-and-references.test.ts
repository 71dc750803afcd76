import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Direction, type IRelationsRequestOpts, type MatrixClient, type MatrixError } from 'matrix-js-sdk';
import { type RunningWatan, startWatan } from '../cli/run-watan.ts';
import { errcodeOf, registeredClient } from '../fixtures/matrix-clients.ts';
import { checkResponsesAgainstSpec } from '../fixtures/spec-conformance.ts';

checkResponsesAgainstSpec();

const dir = mkdtempSync(join(tmpdir(), 'watan-relations-'));
let node: RunningWatan;

interface Served {
  event_id: string;
  type: string;
  sender: string;
  content: Record<string, unknown>;
  unsigned?: { 'm.relations'?: Record<string, Record<string, unknown>> };
}

let owner: MatrixClient;
let guest: MatrixClient;
let roomId: string;
let root: string;
/** Every child of `root`, oldest first, as sent. */
const children: string[] = [];
let firstEdit: string;
let lastEdit: string;
let ownerReaction: string;
let guestReaction: string;
let encryptedReply: string;
let plainReply: string;
let reference: string;

const send = async (client: MatrixClient, type: string, content: Record<string, unknown>) =>
  (await client.sendEvent(roomId, type as never, content as never)).event_id;
const relatesTo = (relType: string, eventId: string, extra: Record<string, unknown> = {}) => ({
  'm.relates_to': { rel_type: relType, event_id: eventId, ...extra },
});
const edit = (eventId: string, body: string) => ({
  msgtype: 'm.text',
  body: `* ${body}`,
  'm.new_content': { msgtype: 'm.text', body },
  ...relatesTo('m.replace', eventId),
});
const react = (eventId: string, key: string) => relatesTo('m.annotation', eventId, { key });

/** Sends an m.room.encrypted event as a client with encryption would: ciphertext, and the relation in the clear. */
async function sendEncrypted(client: MatrixClient, relation: Record<string, unknown>): Promise<string> {
  const content = { algorithm: 'm.megolm.v1.aes-sha2', ciphertext: 'AwgAEnAC…', session_id: 'session', device_id: 'DEVICE', ...relation };
  const path = `/rooms/${encodeURIComponent(roomId)}/send/m.room.encrypted/enc${children.length}`;
  return ((await client.http.authedRequest('PUT' as never, path, undefined, content)) as { event_id: string }).event_id;
}

const event = (client: MatrixClient, eventId: string) => client.fetchRoomEvent(roomId, eventId) as Promise<Served>;
const relations = (client: MatrixClient, eventId: string, relType: string | null, eventType: string | null, opts: IRelationsRequestOpts) =>
  client.fetchRelations(roomId, eventId, relType, eventType, opts) as Promise<{
    chunk: Served[];
    next_batch?: string;
    prev_batch?: string;
  }>;

/** Walks every page in one direction; the ids in the order served. */
async function allPages(
  client: MatrixClient,
  dir: Direction,
  limit: number,
  relType: string | null = null,
  eventType: string | null = null,
) {
  const ids: string[] = [];
  let from: string | undefined;
  for (let pages = 0; pages < 50; pages++) {
    const page = await relations(client, root, relType, eventType, { dir, limit, ...(from ? { from } : {}) });
    assert.ok(page.chunk.length <= limit);
    ids.push(...page.chunk.map((child) => child.event_id));
    if (!page.next_batch) return ids;
    from = page.next_batch;
  }
  throw new Error('relations kept handing out next_batch');
}

before(async () => {
  node = await startWatan(['--dev', '--data', dir, '--port', '0', '--auth-rate-limit', '1000']);
  owner = await registeredClient(node.url, 'maryam');
  guest = await registeredClient(node.url, 'nabeel');
  ({ room_id: roomId } = await owner.createRoom({ preset: 'public_chat' as never }));
  await guest.joinRoom(roomId);
  root = await send(owner, 'm.room.message', { msgtype: 'm.text', body: 'I like cake' });
  firstEdit = await send(owner, 'm.room.message', edit(root, 'I like chocolate cake'));
  ownerReaction = await send(owner, 'm.reaction', react(root, '❤️'));
  guestReaction = await send(guest, 'm.reaction', react(root, '👍'));
  plainReply = await send(guest, 'm.room.message', { msgtype: 'm.text', body: 'in a thread', ...relatesTo('m.thread', root) });
  encryptedReply = await sendEncrypted(guest, relatesTo('m.thread', root));
  reference = await send(guest, 'm.room.message', { msgtype: 'm.text', body: 'see above', ...relatesTo('m.reference', root) });
  lastEdit = await send(owner, 'm.room.message', edit(root, 'I love chocolate cake'));
  children.push(firstEdit, ownerReaction, guestReaction, plainReply, encryptedReply, reference, lastEdit);
  // Not children of root: a reply without rel_type, and an edit of someone else's message that is about another event.
  await send(guest, 'm.room.message', { msgtype: 'm.text', body: 'reply', 'm.relates_to': { 'm.in_reply_to': { event_id: root } } });
});
after(async () => {
  await node.kill();
  rmSync(dir, { recursive: true, force: true });
});

test('relations page through every child, newest first backwards and oldest first forwards', async () => {
  assert.deepEqual(await allPages(guest, Direction.Backward, 2), [...children].reverse());
  assert.deepEqual(await allPages(guest, Direction.Forward, 3), children);
  const first = await relations(guest, root, null, null, { dir: Direction.Backward, limit: 2 });
  assert.equal(first.prev_batch, undefined, 'the first page has no prev_batch');
  const second = await relations(guest, root, null, null, { dir: Direction.Backward, limit: 2, from: first.next_batch as string });
  assert.equal(second.prev_batch, first.next_batch);
  const upTo = await relations(guest, root, null, null, { dir: Direction.Backward, limit: 50, to: first.next_batch as string });
  assert.deepEqual(
    upTo.chunk.map((child) => child.event_id),
    first.chunk.map((child) => child.event_id),
    '`to` stops where the first page ended',
  );
});

test('relations filter by relation type, and by event type too, encrypted events included', async () => {
  assert.deepEqual(await allPages(guest, Direction.Forward, 10, 'm.annotation'), [ownerReaction, guestReaction]);
  assert.deepEqual(await allPages(guest, Direction.Forward, 10, 'm.annotation', 'm.reaction'), [ownerReaction, guestReaction]);
  assert.deepEqual(await allPages(guest, Direction.Forward, 10, 'm.annotation', 'm.room.message'), []);
  assert.deepEqual(await allPages(guest, Direction.Forward, 10, 'm.thread'), [plainReply, encryptedReply]);
  assert.deepEqual(await allPages(guest, Direction.Forward, 10, 'm.thread', 'm.room.encrypted'), [encryptedReply]);
  const edits = await guest.relations(roomId, root, 'm.replace', null);
  assert.deepEqual(
    edits.events.map((child) => child.getId()),
    [lastEdit, firstEdit],
  );
  assert.equal(edits.originalEvent?.getId(), root);
});

test('served events carry the latest edit, the thread summary and references in unsigned m.relations, never annotations', async () => {
  for (const served of [
    await event(guest, root),
    (await guest.createMessagesRequest(roomId, null, 50, Direction.Backward)).chunk.find((e) => e.event_id === root) as Served,
  ]) {
    const bundled = served.unsigned?.['m.relations'] ?? {};
    assert.deepEqual(Object.keys(bundled).sort(), ['m.reference', 'm.replace', 'm.thread']);
    assert.equal(bundled['m.replace']?.event_id, lastEdit);
    const latestEdit = bundled['m.replace'] as { content: { 'm.new_content': unknown } };
    assert.deepEqual(latestEdit.content['m.new_content'], {
      msgtype: 'm.text',
      body: 'I love chocolate cake',
    });
    assert.equal(served.content.body, 'I like cake', 'the original content is left as it was');
    const thread = bundled['m.thread'] as { count: number; current_user_participated: boolean; latest_event: Served };
    assert.equal(thread.count, 2);
    assert.equal(thread.latest_event.event_id, encryptedReply);
    assert.equal(thread.current_user_participated, true);
    assert.deepEqual(bundled['m.reference'], { chunk: [{ event_id: reference }] });
  }
  const stranger = await registeredClient(node.url, 'omar');
  await stranger.joinRoom(roomId);
  const thread = (await event(stranger, root)).unsigned?.['m.relations']?.['m.thread'];
  assert.equal(thread?.current_user_participated, false, 'someone who neither started nor replied has not participated');
});

test('a redacted reaction vanishes from relations and may be sent again; a redacted edit gives way to the one before', async () => {
  assert.equal(await errcodeOf(send(guest, 'm.reaction', react(root, '👍'))), 'M_DUPLICATE_ANNOTATION');
  await guest.redactEvent(roomId, guestReaction);
  assert.deepEqual(await allPages(guest, Direction.Forward, 10, 'm.annotation'), [ownerReaction]);
  const again = await send(guest, 'm.reaction', react(root, '👍'));
  assert.deepEqual(await allPages(guest, Direction.Forward, 10, 'm.annotation'), [ownerReaction, again]);

  await owner.redactEvent(roomId, lastEdit);
  assert.equal((await event(guest, root)).unsigned?.['m.relations']?.['m.replace']?.event_id, firstEdit);
});

test('a thread cannot start from an event that relates to another; recurse reaches children of children', async () => {
  const refused = await send(guest, 'm.room.message', { msgtype: 'm.text', body: 'x', ...relatesTo('m.thread', plainReply) }).catch(
    (error: MatrixError) => error,
  );
  assert.equal((refused as MatrixError).errcode, 'M_UNKNOWN');
  assert.equal((refused as MatrixError).httpStatus, 400);

  const nested = await send(owner, 'm.reaction', react(plainReply, '🎉'));
  const direct = await relations(guest, root, 'm.annotation', null, { dir: Direction.Forward, limit: 50 });
  assert.ok(!direct.chunk.some((child) => child.event_id === nested));
  const deep = (await relations(guest, root, 'm.annotation', null, { dir: Direction.Forward, limit: 50, recurse: true })) as {
    chunk: Served[];
    recursion_depth?: number;
  };
  assert.ok(
    deep.chunk.some((child) => child.event_id === nested),
    'with recurse, a reaction to a thread reply is found',
  );
  assert.equal(deep.recursion_depth, 3);
  assert.equal((direct as { recursion_depth?: number }).recursion_depth, undefined, 'without recurse there is no recursion_depth');
});

test('relations answer bad input, strangers and hidden parents with the specification’s errors', async () => {
  const v1 = (client: MatrixClient, path: string, query: Record<string, string | undefined> = {}) =>
    errcodeOf(
      client.http.authedRequest('GET' as never, path, query as Record<string, string>, undefined, {
        prefix: '/_matrix/client/v1',
      } as never),
    );
  const base = `/rooms/${encodeURIComponent(roomId)}/relations/${encodeURIComponent(root)}`;
  for (const query of [
    { dir: 'x' },
    { limit: '0' },
    { limit: '-3' },
    { limit: 'many' },
    { from: 'garbage' },
    { to: 's' },
    { recurse: 'maybe' },
  ]) {
    assert.equal(await v1(guest, base, query), 'M_INVALID_PARAM', JSON.stringify(query));
  }
  assert.equal(await v1(guest, `/rooms/${encodeURIComponent(roomId)}/relations/${encodeURIComponent('$nosuchevent')}`), 'M_NOT_FOUND');
  const outsider = await registeredClient(node.url, 'parveen');
  assert.equal(await v1(outsider, base), 'M_FORBIDDEN');

  const { room_id: hidden } = await owner.createRoom({
    preset: 'public_chat' as never,
    initial_state: [{ type: 'm.room.history_visibility', state_key: '', content: { history_visibility: 'joined' } }],
  });
  const secret = (await owner.sendEvent(hidden, 'm.room.message' as never, { msgtype: 'm.text', body: 'early' } as never)).event_id;
  await outsider.joinRoom(hidden);
  assert.equal(
    await v1(outsider, `/rooms/${encodeURIComponent(hidden)}/relations/${encodeURIComponent(secret)}`),
    'M_NOT_FOUND',
    'a parent sent before a members-only joiner arrived is not theirs to see',
  );
});

test('timestamp_to_event finds the nearest visible event in either direction', async () => {
  const served = await event(guest, reference);
  const { origin_server_ts: ts } = served as unknown as { origin_server_ts: number };
  const forwards = await guest.timestampToEvent(roomId, ts, Direction.Forward);
  assert.equal(forwards.origin_server_ts >= ts, true);
  const backwards = await guest.timestampToEvent(roomId, ts, Direction.Backward);
  assert.equal(backwards.origin_server_ts <= ts, true);
  assert.equal(await errcodeOf(guest.timestampToEvent(roomId, 1, Direction.Backward)), 'M_NOT_FOUND');
});
