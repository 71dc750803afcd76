/**
 * A deactivated account publishes nothing and keeps nothing of its encryption: its device
 * keys, one-time keys, cross-signing keys and key backups are gone, and those who shared a
 * room with it hear that its device list changed.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Account, type MessengerNode, startMessengerNode } from '../fixtures/messenger-node.ts';
import { crossSigningKey, deviceKeys, newSigner, signedBy } from '../fixtures/signed-keys.ts';
import { checkResponsesAgainstSpec } from '../fixtures/spec-conformance.ts';

checkResponsesAgainstSpec();

let server: MessengerNode;
let alice: Account;
let bob: Account;

before(async () => {
  server = await startMessengerNode('deactivation-keys');
  alice = await server.register('alice');
  bob = await server.register('bob');
});
after(async () => {
  await server.close();
});

test('deactivation removes device, one-time and cross-signing keys and every backup', async () => {
  const device = newSigner();
  const deviceKeyId = `ed25519:${alice.deviceId}`;
  const master = newSigner();
  const selfSigning = newSigner();
  const upload = await server.call('POST', '/keys/upload', alice.token, {
    device_keys: signedBy(deviceKeys(alice.userId, alice.deviceId, device), alice.userId, deviceKeyId, device),
    one_time_keys: { 'signed_curve25519:AAAA': signedBy({ key: newSigner().publicKey }, alice.userId, deviceKeyId, device) },
  });
  assert.equal(upload.status, 200, JSON.stringify(upload.body));
  const signing = await server.call('POST', '/keys/device_signing/upload', alice.token, {
    master_key: crossSigningKey(alice.userId, 'master', master),
    self_signing_key: signedBy(
      crossSigningKey(alice.userId, 'self_signing', selfSigning),
      alice.userId,
      `ed25519:${master.publicKey}`,
      master,
    ),
  });
  assert.equal(signing.status, 200, JSON.stringify(signing.body));
  const { version } = (
    await server.call('POST', '/room_keys/version', alice.token, { algorithm: 'm.megolm_backup.v1.curve25519-aes-sha2', auth_data: {} })
  ).body as { version: string };
  const sessionKey = { first_message_index: 0, forwarded_count: 0, is_verified: false, session_data: { ciphertext: 'x' } };
  assert.equal((await server.call('PUT', `/room_keys/keys/!r:localhost/s?version=${version}`, alice.token, sessionKey)).status, 200);
  const roomId = (await server.call('POST', '/createRoom', alice.token, { invite: [bob.userId] })).body.room_id as string;
  await server.call('POST', `/join/${encodeURIComponent(roomId)}`, bob.token, {});
  const query = async () => (await server.call('POST', '/keys/query', bob.token, { device_keys: { [alice.userId]: [] } })).body;
  const published = await query();
  assert.ok((published.device_keys as Record<string, Record<string, unknown>>)[alice.userId]?.[alice.deviceId]);
  assert.ok((published.master_keys as Record<string, unknown>)[alice.userId]);
  const { next_batch: since } = (await server.call('GET', '/sync', bob.token)).body as { next_batch: string };

  const challenge = await server.call('POST', '/account/deactivate', alice.token, {});
  const auth = { type: 'm.login.password', identifier: { type: 'm.id.user', user: alice.userId }, password: 'long enough password' };
  const deactivated = await server.call('POST', '/account/deactivate', alice.token, { auth: { ...auth, session: challenge.body.session } });
  assert.equal(deactivated.status, 200, JSON.stringify(deactivated.body));

  const after = await query();
  assert.deepEqual(after.device_keys, { [alice.userId]: {} });
  assert.deepEqual([after.master_keys, after.self_signing_keys], [{}, {}]);
  const claimed = await server.call('POST', '/keys/claim', bob.token, {
    one_time_keys: { [alice.userId]: { [alice.deviceId]: 'signed_curve25519' } },
  });
  assert.deepEqual(claimed.body.one_time_keys, {});
  assert.throws(() => server.node.subnet.query('messenger', 'backup_version', {}, alice.userId), /no key backup/);
  const later = (await server.call('GET', `/sync?since=${since}`, bob.token)).body as {
    device_lists: { changed: string[]; left: string[] };
  };
  assert.deepEqual(later.device_lists.left, [alice.userId], 'bob, who shared a room with her, stops tracking her');
});
