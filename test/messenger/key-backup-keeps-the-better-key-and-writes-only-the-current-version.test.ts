/**
 * Server-side key backups (client-server §Server-side key backups): versions created, read,
 * changed and deleted; keys stored only in the current version (M_WRONG_ROOM_KEYS_VERSION
 * otherwise, naming it); a stored session replaced only by a better key; `etag` and `count`
 * after every store; reads and deletes at all three levels; each user sees only their own.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Account, type MessengerNode, startMessengerNode } from '../fixtures/messenger-node.ts';
import { checkResponsesAgainstSpec } from '../fixtures/spec-conformance.ts';

checkResponsesAgainstSpec();

const ALGORITHM = 'm.megolm_backup.v1.curve25519-aes-sha2';
const ROOM = '!room:localhost';
let server: MessengerNode;
let alice: Account;
let bob: Account;

function key(firstMessageIndex: number, forwardedCount: number, isVerified: boolean, tag: string) {
  return {
    first_message_index: firstMessageIndex,
    forwarded_count: forwardedCount,
    is_verified: isVerified,
    session_data: { ephemeral: 'base64+ephemeral', ciphertext: tag, mac: 'base64+mac' },
  };
}

const keysPath = (version: string, room?: string, session?: string) =>
  `/room_keys/keys${room ? `/${encodeURIComponent(room)}` : ''}${session ? `/${session}` : ''}?version=${version}`;

before(async () => {
  server = await startMessengerNode('key-backup');
  alice = await server.register('alice');
  bob = await server.register('bob');
});
after(async () => {
  await server.close();
});

test('without a backup: no version to read, nowhere to store keys', async () => {
  const read = await server.call('GET', '/room_keys/version', alice.token);
  assert.deepEqual([read.status, read.body.errcode], [404, 'M_NOT_FOUND']);
  const store = await server.call('PUT', keysPath('1', ROOM, 's1'), alice.token, key(0, 0, false, 'x'));
  assert.deepEqual([store.status, store.body.errcode], [404, 'M_NOT_FOUND']);
});

test('keys go only to the current version, and a stored session is replaced only by a better key', async () => {
  const first = (await server.call('POST', '/room_keys/version', alice.token, { algorithm: ALGORITHM, auth_data: { public_key: 'one' } }))
    .body;
  const second = (await server.call('POST', '/room_keys/version', alice.token, { algorithm: ALGORITHM, auth_data: { public_key: 'two' } }))
    .body;
  assert.deepEqual([first.version, second.version], ['1', '2']);
  const old = await server.call('PUT', keysPath('1', ROOM, 's1'), alice.token, key(0, 0, false, 'x'));
  assert.deepEqual([old.status, old.body.errcode, old.body.current_version], [403, 'M_WRONG_ROOM_KEYS_VERSION', '2']);

  const put = async (stored: ReturnType<typeof key>) => (await server.call('PUT', keysPath('2', ROOM, 's1'), alice.token, stored)).body;
  const stored = async () =>
    ((await server.call('GET', keysPath('2', ROOM, 's1'), alice.token)).body.session_data as { ciphertext: string }).ciphertext;
  const start = await put(key(5, 1, false, 'first'));
  assert.equal(start.count, 1);
  const worseIndex = await put(key(6, 0, false, 'later index'));
  assert.equal(await stored(), 'first', 'a higher first message index does not replace');
  assert.equal(worseIndex.etag, start.etag, 'nothing changed, so the etag did not');
  await put(key(5, 2, false, 'more forwarded'));
  assert.equal(await stored(), 'first', 'a higher forwarded count does not replace');
  await put(key(5, 0, false, 'less forwarded'));
  assert.equal(await stored(), 'less forwarded', 'a lower forwarded count replaces');
  await put(key(2, 3, false, 'earlier index'));
  assert.equal(await stored(), 'earlier index', 'a lower first message index replaces');
  const verified = await put(key(9, 9, true, 'verified'));
  assert.equal(await stored(), 'verified', 'a verified key replaces an unverified one');
  assert.notEqual(verified.etag, start.etag);
  await put(key(0, 0, false, 'unverified'));
  assert.equal(await stored(), 'verified', 'an unverified key never replaces a verified one');
  assert.deepEqual(verified.count, 1);

  const version = (await server.call('GET', '/room_keys/version', alice.token)).body;
  assert.deepEqual(version, { algorithm: ALGORITHM, auth_data: { public_key: 'two' }, version: '2', count: 1, etag: verified.etag });
});

test('keys are stored, read and deleted at all three levels', async () => {
  const many = {
    rooms: {
      [ROOM]: { sessions: { s2: key(0, 0, false, 'r1s2') } },
      '!other:localhost': { sessions: { s3: key(0, 0, false, 'r2s3'), s4: key(0, 0, false, 'r2s4') } },
    },
  };
  assert.equal((await server.call('PUT', keysPath('2'), alice.token, many)).body.count, 4);
  const room = await server.call('PUT', keysPath('2', ROOM), alice.token, { sessions: { s5: key(0, 0, false, 'r1s5') } });
  assert.equal(room.body.count, 5);
  const all = (await server.call('GET', keysPath('2'), alice.token)).body.rooms as Record<string, { sessions: Record<string, unknown> }>;
  assert.deepEqual(Object.keys(all[ROOM]?.sessions ?? {}), ['s1', 's2', 's5']);
  assert.deepEqual(Object.keys(all['!other:localhost']?.sessions ?? {}), ['s3', 's4']);
  assert.deepEqual((await server.call('GET', keysPath('2', '!empty:localhost'), alice.token)).body, { sessions: {} });
  const missing = await server.call('GET', keysPath('2', ROOM, 'nope'), alice.token);
  assert.deepEqual([missing.status, missing.body.errcode], [404, 'M_NOT_FOUND']);

  assert.equal((await server.call('DELETE', keysPath('2', ROOM, 's1'), alice.token)).body.count, 4);
  assert.equal((await server.call('DELETE', keysPath('2', '!other:localhost'), alice.token)).body.count, 2);
  assert.equal((await server.call('DELETE', keysPath('2'), alice.token)).body.count, 0);
  assert.deepEqual((await server.call('GET', keysPath('2'), alice.token)).body, { rooms: {} });
});

test('a version’s auth_data can change, its algorithm cannot; a deleted version is gone and its number is not reused', async () => {
  const update = (body: Record<string, unknown>) => server.call('PUT', '/room_keys/version/2', alice.token, body);
  assert.equal((await update({ algorithm: ALGORITHM, auth_data: { public_key: 'two, renewed' }, version: '2' })).status, 200);
  assert.deepEqual((await server.call('GET', '/room_keys/version/2', alice.token)).body.auth_data, { public_key: 'two, renewed' });
  assert.equal((await update({ algorithm: 'm.other', auth_data: {} })).body.errcode, 'M_INVALID_PARAM');
  assert.equal((await update({ algorithm: ALGORITHM, auth_data: {}, version: '1' })).body.errcode, 'M_INVALID_PARAM');

  assert.equal((await server.call('DELETE', '/room_keys/version/2', alice.token)).status, 200);
  assert.equal((await server.call('DELETE', '/room_keys/version/2', alice.token)).status, 200, 'deleting again succeeds');
  assert.equal((await server.call('GET', '/room_keys/version/2', alice.token)).body.errcode, 'M_NOT_FOUND');
  assert.equal((await server.call('DELETE', '/room_keys/version/7', alice.token)).body.errcode, 'M_NOT_FOUND');
  assert.equal((await server.call('GET', '/room_keys/version', alice.token)).body.version, '1', 'the newest remaining version is current');
  const third = (await server.call('POST', '/room_keys/version', alice.token, { algorithm: ALGORITHM, auth_data: {} })).body;
  assert.equal(third.version, '3');
});

test('each user sees only their own backups', async () => {
  assert.equal((await server.call('GET', '/room_keys/version/1', bob.token)).body.errcode, 'M_NOT_FOUND');
  assert.equal((await server.call('GET', keysPath('1'), bob.token)).body.errcode, 'M_NOT_FOUND');
  assert.equal((await server.call('DELETE', '/room_keys/version/1', bob.token)).body.errcode, 'M_NOT_FOUND');
});
