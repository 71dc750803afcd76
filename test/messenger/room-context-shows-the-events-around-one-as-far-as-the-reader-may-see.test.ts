import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Direction, type MatrixClient } from 'matrix-js-sdk';
import { type RunningWatan, startWatan } from '../cli/run-watan.ts';
import { registeredClient } from '../fixtures/matrix-clients.ts';
import { checkResponsesAgainstSpec } from '../fixtures/spec-conformance.ts';

checkResponsesAgainstSpec();

const dir = mkdtempSync(join(tmpdir(), 'watan-context-'));
let node: RunningWatan;
let roomId: string;
let owner: MatrixClient;
let newcomer: MatrixClient;
const ids: Record<string, string> = {};

after(async () => {
  await node.kill();
  rmSync(dir, { recursive: true, force: true });
});

interface Event {
  event_id: string;
  type: string;
  sender: string;
  state_key?: string;
  content: { body?: string; membership?: string };
}
interface Context {
  event: Event;
  events_before: Event[];
  events_after: Event[];
  state: Event[];
  start: string;
  end: string;
}

const say = async (client: MatrixClient, roomId: string, body: string) =>
  (await client.sendEvent(roomId, 'm.room.message' as never, { msgtype: 'm.text', body } as never)).event_id;

/** GET /context as a client calls it; the answer's body, or its status and errcode when refused. */
async function context(
  client: MatrixClient,
  roomId: string,
  eventId: string,
  query = '',
): Promise<Context | { status: number; errcode: string }> {
  const response = await fetch(
    `${node.url}/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/context/${encodeURIComponent(eventId)}${query}`,
    { headers: { authorization: `Bearer ${client.getAccessToken()}` } },
  );
  const body = await response.json();
  return response.ok ? (body as Context) : { status: response.status, errcode: (body as { errcode: string }).errcode };
}

async function contextOk(client: MatrixClient, roomId: string, eventId: string, query = ''): Promise<Context> {
  const answer = await context(client, roomId, eventId, query);
  assert.ok('event' in answer, `context refused: ${JSON.stringify(answer)}`);
  return answer;
}

const describe = (event: Event) => event.content.body ?? `${event.type}:${event.content.membership ?? ''}`;

/** One room: three messages, then a newcomer joins a members-only history, then three more. */
before(async () => {
  node = await startWatan(['--dev', '--data', dir, '--port', '0', '--auth-rate-limit', '1000']);
  owner = await registeredClient(node.url, 'jamila');
  newcomer = await registeredClient(node.url, 'kashif');
  ({ room_id: roomId } = await owner.createRoom({
    preset: 'public_chat' as never,
    initial_state: [{ type: 'm.room.history_visibility', state_key: '', content: { history_visibility: 'joined' } }],
  }));
  for (const body of ['m1', 'm2', 'm3']) ids[body] = await say(owner, roomId, body);
  await newcomer.joinRoom(roomId);
  for (const body of ['m4', 'm5', 'm6']) ids[body] = await say(owner, roomId, body);
});

test('context splits the limit between the events before (newest first) and after (oldest first), with the state then', async () => {
  const answer = await contextOk(owner, roomId, ids.m4 as string, '?limit=4');
  assert.equal(answer.event.event_id, ids.m4);
  assert.deepEqual(answer.events_before.map(describe), ['m.room.member:join', 'm3']);
  assert.deepEqual(answer.events_after.map(describe), ['m5', 'm6']);
  const members = answer.state.filter((event) => event.type === 'm.room.member').map((event) => event.state_key);
  assert.deepEqual(members.sort(), [owner.getUserId(), newcomer.getUserId()].sort());
  assert.ok(answer.state.some((event) => event.type === 'm.room.create'));

  const older = await owner.createMessagesRequest(roomId, answer.start, 2, Direction.Backward);
  assert.deepEqual(
    older.chunk.map((event) => (event.content as { body?: string }).body),
    ['m2', 'm1'],
    'start pages on from just before the oldest event returned',
  );
  const newer = await owner.createMessagesRequest(roomId, answer.end, 10, Direction.Forward);
  assert.deepEqual(newer.chunk, [], 'end pages on from just after the newest event returned');

  const bare = await contextOk(owner, roomId, ids.m2 as string, '?limit=0');
  assert.equal(bare.event.event_id, ids.m2, 'the event itself comes even with limit 0');
  assert.deepEqual([bare.events_before.length, bare.events_after.length], [0, 0]);
  assert.ok(
    !bare.state.some((event) => event.state_key === newcomer.getUserId()),
    'the state is the room as it was at that point, before the newcomer joined',
  );
});

test('a member who joined a members-only history sees no context from before they joined', async () => {
  const answer = await contextOk(newcomer, roomId, ids.m4 as string, '?limit=20');
  assert.equal(answer.events_before[0]?.state_key, newcomer.getUserId(), 'their own join comes first');
  // The room's setup was sent while history was shared, so that much stays visible to them.
  assert.deepEqual(answer.events_before.filter((event) => event.type === 'm.room.message').map(describe), []);
  assert.deepEqual(answer.events_after.map(describe), ['m5', 'm6']);
  assert.deepEqual(await context(newcomer, roomId, ids.m2 as string), { status: 404, errcode: 'M_NOT_FOUND' });
});

test('a RoomEventFilter applies to the events around and the state, not to the event itself', async () => {
  const filter = encodeURIComponent(JSON.stringify({ types: ['m.room.message'], lazy_load_members: true }));
  const answer = await contextOk(owner, roomId, ids.m4 as string, `?limit=4&filter=${filter}`);
  assert.deepEqual(answer.events_before.map(describe), ['m3']);
  assert.deepEqual(answer.state, [], 'only messages pass, so no state does');
  const lazy = encodeURIComponent(JSON.stringify({ lazy_load_members: true }));
  const members = (await contextOk(owner, roomId, ids.m6 as string, `?limit=2&filter=${lazy}`)).state.filter(
    (event) => event.type === 'm.room.member',
  );
  assert.deepEqual(
    members.map((event) => event.state_key),
    [owner.getUserId()],
    'lazy loading keeps only the senders’ memberships',
  );
  const notMessages = encodeURIComponent(JSON.stringify({ not_types: ['m.room.*'] }));
  const event = await contextOk(owner, roomId, ids.m4 as string, `?filter=${notMessages}`);
  assert.equal(event.event.event_id, ids.m4);
  assert.deepEqual([event.events_before.length, event.events_after.length], [0, 0]);
});

test('/messages applies its RoomEventFilter too', async () => {
  const filter = encodeURIComponent(JSON.stringify({ types: ['m.room.message'], not_senders: [newcomer.getUserId()] }));
  const url = (query: string) => `${node.url}/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/messages?dir=b&limit=50${query}`;
  const headers = { authorization: `Bearer ${owner.getAccessToken()}` };
  const page = (await (await fetch(url(`&filter=${filter}`), { headers })).json()) as { chunk: Event[] };
  assert.deepEqual(page.chunk.map(describe), ['m6', 'm5', 'm4', 'm3', 'm2', 'm1']);
  const refused = await fetch(url('&filter=%7Bnot%20json'), { headers });
  assert.equal(refused.status, 400);
});

test('bad input and strangers get the specification’s errors', async () => {
  const stranger = await registeredClient(node.url, 'lubna');
  const m4 = ids.m4 as string;
  assert.deepEqual(await context(stranger, roomId, m4), { status: 403, errcode: 'M_FORBIDDEN' });
  assert.deepEqual(await context(owner, roomId, '$nosuchevent'), { status: 404, errcode: 'M_NOT_FOUND' });
  assert.deepEqual(await context(owner, '!nosuchroom:localhost', m4), { status: 403, errcode: 'M_FORBIDDEN' });
  for (const query of ['?limit=-1', '?limit=ten', '?filter=notjson', `?filter=${encodeURIComponent('{"types":"m.room.message"}')}`]) {
    assert.deepEqual(await context(owner, roomId, m4, query), { status: 400, errcode: 'M_INVALID_PARAM' }, query);
  }
});
