/**
 * Issue 11 B1: a body nesting deeper than 100 levels is 400 M_BAD_JSON wherever it is sent
 * (event content, state, account data, to-device), while 100 levels still pass. And whatever
 * is already stored — an event, a state event, a to-device message or account data nested
 * thousands deep, written straight into the state as an old node or an intruder could have —
 * cannot take down anyone's /sync, /messages, /state, /context or /event: they answer 200,
 * serve that content as {} with a warning in the log, and the reader's other rooms still arrive.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { CanonicalJsonError, canonicalJson } from '../../src/subnet/index.ts';
import { type Account, type MessengerNode, startMessengerNode } from '../fixtures/messenger-node.ts';

/** Deep enough to overflow any recursive encoder (JSON.stringify gives up near 4,500). */
const POISON_DEPTH = 50_000;
const logLines: string[] = [];
let server: MessengerNode;
let alice: Account;
let bob: Account;
let room: string;
let quietRoom: string;

function arrays(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

async function raw(method: string, path: string, token: string, body: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${server.node.url}/_matrix/client/v3${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body,
    signal: AbortSignal.timeout(30_000),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

before(async () => {
  server = await startMessengerNode('deep-json', { logLines });
  alice = await server.register('alice');
  bob = await server.register('bob');
  room = (await server.call('POST', '/createRoom', alice.token, { preset: 'public_chat' })).body.room_id as string;
  quietRoom = (await server.call('POST', '/createRoom', alice.token, { preset: 'public_chat', name: 'quiet' })).body.room_id as string;
  for (const id of [room, quietRoom])
    assert.equal((await server.call('POST', `/join/${encodeURIComponent(id)}`, bob.token, {})).status, 200);
});
after(async () => {
  await server.close();
});

test('bodies nesting deeper than 100 levels are 400 M_BAD_JSON on every kind of write; 100 levels pass', async () => {
  const r = encodeURIComponent(room);
  const writes: [string, string, (deep: string) => string][] = [
    ['PUT', `/rooms/${r}/send/m.room.message/deep1`, (deep) => `{"msgtype":"m.text","body":"x","deep":${deep}}`],
    ['PUT', `/rooms/${r}/state/m.room.topic/`, (deep) => `{"topic":"t","deep":${deep}}`],
    ['PUT', `/user/${encodeURIComponent(alice.userId)}/account_data/m.deep`, (deep) => `{"deep":${deep}}`],
    ['PUT', '/sendToDevice/m.deep/deep1', (deep) => `{"messages":{"${bob.userId}":{"*":{"deep":${deep}}}}}`],
    ['POST', '/createRoom', (deep) => `{"initial_state":[{"type":"m.x","state_key":"","content":{"deep":${deep}}}]}`],
  ];
  for (const [method, path, body] of writes) {
    for (const depth of [101, 4_400, POISON_DEPTH]) {
      const answer = await raw(method, path, alice.token, body(arrays(depth)));
      assert.equal(answer.status, 400, `${method} ${path} nesting ${depth}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.errcode, 'M_BAD_JSON');
      assert.match(String(answer.body.error), /at most 100/);
    }
  }
  // The message content is level 1, so 99 arrays inside it make exactly 100 levels.
  const deepest = await raw(
    'PUT',
    `/rooms/${r}/send/m.room.message/ok100`,
    alice.token,
    `{"msgtype":"m.text","body":"x","d":${arrays(99)}}`,
  );
  assert.equal(deepest.status, 200, JSON.stringify(deepest.body));
});

test('a filter in the query string nesting deeper than 100 levels is 400 M_INVALID_PARAM', async () => {
  const filter = encodeURIComponent(`{"room":{"timeline":{"limit":1}},"x":${arrays(1_000)}}`);
  for (const path of [`/sync?filter=${filter}`, `/rooms/${encodeURIComponent(room)}/messages?dir=b&filter=${filter}`]) {
    const answer = await server.call('GET', path, alice.token);
    assert.equal(answer.status, 400, `${path.slice(0, 40)}: ${JSON.stringify(answer.body)}`);
    assert.equal(answer.body.errcode, 'M_INVALID_PARAM');
  }
});

test('canonical JSON refuses a value deeper than it holds with a typed error, never a stack overflow', () => {
  assert.throws(() => canonicalJson(JSON.parse(arrays(POISON_DEPTH))), CanonicalJsonError);
  assert.throws(() => canonicalJson(JSON.parse(`${'{"a":'.repeat(POISON_DEPTH)}1${'}'.repeat(POISON_DEPTH)}`)), CanonicalJsonError);
});

/** Rewrites one stored row's JSON column the way an intruder or an older node could have left it. */
function poisonRow(table: string, column: string, where: string, key: unknown[], edit: (json: string) => string): void {
  const db = new Database(join(server.node.subnet.dataDir, 'state.sqlite'));
  try {
    const row = db.prepare(`SELECT ${column} AS json FROM app_messenger__${table} WHERE ${where}`).get(...key) as { json: string };
    assert.ok(row, `no ${table} row to poison`);
    const changed = db.prepare(`UPDATE app_messenger__${table} SET ${column} = ? WHERE ${where}`).run(edit(row.json), ...key).changes;
    assert.equal(changed, 1);
  } finally {
    db.close();
  }
}

test('a stored event, state event, to-device message and account data nested 50,000 deep break nobody’s reads', async () => {
  const r = encodeURIComponent(room);
  const message = (await server.call('PUT', `/rooms/${r}/send/m.room.message/poison`, alice.token, { msgtype: 'm.text', body: 'poison' }))
    .body.event_id as string;
  const topic = (await server.call('PUT', `/rooms/${r}/state/m.room.topic/`, alice.token, { topic: 'poison' })).body.event_id as string;
  await server.call('PUT', '/sendToDevice/m.poison/p1', alice.token, { messages: { [bob.userId]: { [bob.deviceId]: { poison: true } } } });
  await server.call('PUT', `/user/${encodeURIComponent(bob.userId)}/account_data/m.poison`, bob.token, { poison: true });
  await server.call('PUT', `/rooms/${encodeURIComponent(quietRoom)}/send/m.room.message/q1`, alice.token, {
    msgtype: 'm.text',
    body: 'still here',
  });

  const deep = arrays(POISON_DEPTH);
  poisonRow('events', 'pdu', 'event_id = ?', [message], (pdu) => pdu.replace('"body":"poison"', `"body":"poison","deep":${deep}`));
  poisonRow('events', 'pdu', 'event_id = ?', [topic], (pdu) => pdu.replace('"topic":"poison"', `"topic":"poison","deep":${deep}`));
  poisonRow('to_device_messages', 'content', 'user_id = ? AND type = ?', [bob.userId, 'm.poison'], () => `{"deep":${deep}}`);
  poisonRow('account_data', 'content', 'user_id = ? AND type = ?', [bob.userId, 'm.poison'], () => `{"deep":${deep}}`);

  const sync = await server.call('GET', '/sync', bob.token);
  assert.equal(sync.status, 200, JSON.stringify(sync.body).slice(0, 300));
  const rooms = (sync.body as { rooms: { join: Record<string, { timeline: { events: Event[] }; state: { events: Event[] } }> } }).rooms
    .join;
  const served = [...(rooms[room]?.timeline.events ?? []), ...(rooms[room]?.state.events ?? [])];
  assert.deepEqual(served.find((event) => event.event_id === message)?.content, {}, 'the poisoned message is served withheld');
  assert.deepEqual(served.find((event) => event.event_id === topic)?.content, {}, 'the poisoned topic is served withheld');
  assert.ok(
    rooms[quietRoom]?.timeline.events.some((event) => event.content.body === 'still here'),
    'the reader’s other room still arrives',
  );
  const toDevice = (sync.body as { to_device: { events: Event[] } }).to_device.events;
  assert.deepEqual(toDevice.find((event) => event.type === 'm.poison')?.content, {}, 'the to-device message is delivered withheld');
  const accountData = (sync.body as { account_data: { events: Event[] } }).account_data.events;
  assert.deepEqual(accountData.find((event) => event.type === 'm.poison')?.content, {});

  const next = await server.call('GET', `/sync?since=${sync.body.next_batch}&timeout=0`, bob.token);
  assert.equal(next.status, 200, 'the withheld to-device message was delivered, so it is gone and the next sync works too');

  const reads = [
    `/rooms/${r}/messages?dir=b&limit=1`,
    `/rooms/${r}/messages?dir=b&limit=50`,
    `/rooms/${r}/state`,
    `/rooms/${r}/context/${encodeURIComponent(message)}`,
    `/rooms/${r}/event/${encodeURIComponent(message)}`,
    `/rooms/${r}/state/m.room.topic/`,
    `/user/${encodeURIComponent(bob.userId)}/account_data/m.poison`,
  ];
  for (const path of reads) {
    const answer = await server.call('GET', path, bob.token);
    assert.equal(answer.status, 200, `${path}: ${JSON.stringify(answer.body).slice(0, 200)}`);
  }
  assert.deepEqual((await server.call('GET', `/rooms/${r}/state/m.room.topic/`, bob.token)).body, {});
  const warnings = logLines.map((line) => JSON.parse(line) as { level: number; msg: string; event_id?: string });
  assert.ok(
    warnings.some((line) => line.level === 40 && line.event_id === message && /withheld content/.test(line.msg)),
    'the withheld event is named in a warning',
  );
  assert.ok(!logLines.some((line) => (JSON.parse(line) as { level: number }).level >= 50), 'nothing failed');
});

interface Event {
  event_id?: string;
  type: string;
  content: Record<string, unknown>;
}
