/**
 * Device list tracking (client-server §Tracking the device list for a user): a user whose
 * devices or cross-signing keys change appears in `device_lists.changed` of the incremental
 * syncs of everyone sharing a room with them (and of their own devices), and in
 * /keys/changes; someone who stops sharing every room appears in `left`; someone who comes
 * to share a room appears in `changed`. A waiting sync wakes for such a change.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { after, before, test } from 'node:test';
import { canonicalJson } from '../../src/subnet/index.ts';
import { type Account, type MessengerNode, startMessengerNode } from '../fixtures/messenger-node.ts';
import { checkResponsesAgainstSpec } from '../fixtures/spec-conformance.ts';

checkResponsesAgainstSpec();

let server: MessengerNode;
let alice: Account;
let bob: Account;
let carol: Account;
let roomId: string;

interface DeviceLists {
  next_batch: string;
  device_lists: { changed: string[]; left: string[] };
}

async function sync(account: Account, since?: string, timeout = 0): Promise<DeviceLists> {
  const answer = await server.call('GET', `/sync${since ? `?since=${since}&timeout=${timeout}` : ''}`, account.token);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body as unknown as DeviceLists;
}

/** Uploads device keys for the account's device, signed by a fresh ed25519 key. */
async function uploadDeviceKeys(account: Account): Promise<void> {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const key = Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url')
    .toString('base64')
    .replace(/=+$/, '');
  const keys = {
    user_id: account.userId,
    device_id: account.deviceId,
    algorithms: ['m.olm.v1.curve25519-aes-sha2', 'm.megolm.v1.aes-sha2'],
    keys: { [`ed25519:${account.deviceId}`]: key },
  };
  const signature = sign(null, Buffer.from(canonicalJson(keys)), privateKey)
    .toString('base64')
    .replace(/=+$/, '');
  const answer = await server.call('POST', '/keys/upload', account.token, {
    device_keys: { ...keys, signatures: { [account.userId]: { [`ed25519:${account.deviceId}`]: signature } } },
  });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
}

before(async () => {
  server = await startMessengerNode('device-lists');
  alice = await server.register('alice');
  bob = await server.register('bob');
  carol = await server.register('carol');
  roomId = (await server.call('POST', '/createRoom', alice.token, { invite: [bob.userId] })).body.room_id as string;
  await server.call('POST', `/join/${encodeURIComponent(roomId)}`, bob.token, {});
});
after(async () => {
  await server.close();
});

test('new device keys reach the syncs of room-mates and of the user, not of strangers', async () => {
  const [bobSince, carolSince, aliceSince] = await Promise.all([sync(bob), sync(carol), sync(alice)]);
  await uploadDeviceKeys(alice);
  assert.deepEqual((await sync(bob, bobSince.next_batch)).device_lists.changed, [alice.userId]);
  assert.deepEqual((await sync(alice, aliceSince.next_batch)).device_lists.changed, [alice.userId], 'alice’s other devices hear too');
  assert.deepEqual((await sync(carol, carolSince.next_batch)).device_lists.changed, [], 'carol shares no room with alice');
  const changes = await server.call('GET', `/keys/changes?from=${bobSince.next_batch}&to=${bobSince.next_batch}`, bob.token);
  assert.deepEqual(changes.body, { changed: [alice.userId], left: [] });
});

test('a waiting sync wakes when a room-mate’s devices change', async () => {
  const { next_batch: since } = await sync(bob);
  const started = Date.now();
  const waiting = sync(bob, since, 20_000);
  await new Promise((resolve) => setTimeout(resolve, 200));
  const phone = await server.login('alice');
  await uploadDeviceKeys(phone);
  assert.deepEqual((await waiting).device_lists.changed, [alice.userId]);
  assert.ok(Date.now() - started < 10_000, 'it answered when the change came, not at its timeout');
  // Signing out a device that had keys is a change too.
  const { next_batch: before } = await sync(bob);
  await server.call('POST', '/logout', phone.token, {});
  assert.deepEqual((await sync(bob, before)).device_lists.changed, [alice.userId]);
});

test('renaming a device with keys is a change: /keys/query serves the name', async () => {
  const { next_batch: since } = await sync(bob);
  await server.call('PUT', `/devices/${alice.deviceId}`, alice.token, { display_name: 'Alice’s laptop' });
  assert.deepEqual((await sync(bob, since)).device_lists.changed, [alice.userId]);
  const keys = await server.call('POST', '/keys/query', bob.token, { device_keys: { [alice.userId]: [alice.deviceId] } });
  const device = (keys.body.device_keys as Record<string, Record<string, { unsigned: unknown }>>)[alice.userId]?.[alice.deviceId];
  assert.deepEqual(device?.unsigned, { device_display_name: 'Alice’s laptop' });
});

test('someone who comes to share a room is changed; someone who shares none any more is left', async () => {
  const [aliceSince, carolSince] = await Promise.all([sync(alice), sync(carol)]);
  await server.call('POST', `/rooms/${encodeURIComponent(roomId)}/invite`, alice.token, { user_id: carol.userId });
  await server.call('POST', `/join/${encodeURIComponent(roomId)}`, carol.token, {});
  assert.deepEqual((await sync(alice, aliceSince.next_batch)).device_lists.changed, [carol.userId]);
  assert.deepEqual((await sync(carol, carolSince.next_batch)).device_lists.changed, [alice.userId, bob.userId]);

  const { next_batch: beforeLeaving } = await sync(alice);
  const { next_batch: carolBeforeLeaving } = await sync(carol);
  await server.call('POST', `/rooms/${encodeURIComponent(roomId)}/leave`, bob.token, {});
  assert.deepEqual((await sync(alice, beforeLeaving)).device_lists, { changed: [], left: [bob.userId] });
  assert.deepEqual((await sync(carol, carolBeforeLeaving)).device_lists.left, [bob.userId]);
  const changes = await server.call('GET', `/keys/changes?from=${beforeLeaving}&to=${beforeLeaving}`, alice.token);
  assert.deepEqual(changes.body, { changed: [], left: [bob.userId] });
});

test('/keys/changes refuses tokens this server did not give', async () => {
  const answer = await server.call('GET', '/keys/changes?from=yesterday&to=today', alice.token);
  assert.equal(answer.status, 400);
  assert.equal(answer.body.errcode, 'M_INVALID_PARAM');
});
