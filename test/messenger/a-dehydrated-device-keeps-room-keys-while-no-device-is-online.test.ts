/**
 * Dehydrated devices (MSC3814) with matrix-js-sdk's Rust crypto against `watan start`: alice
 * dehydrates a device and signs out of her only session; bob's messages meanwhile share their
 * room key with the dehydrated device; a device alice signs in later rehydrates it and reads
 * what bob wrote while she had no device at all.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MsgType } from 'matrix-js-sdk';
import type { GeneratedSecretStorageKey } from 'matrix-js-sdk/lib/crypto-api/index.js';
import { NOT_DECRYPTED, RecoveryKey, registeredClient, shownBodies, signedInClient, until } from '../fixtures/matrix-clients.ts';
import { assertReplayReproduces } from '../fixtures/replay-data-folder.ts';
import { watanForClients } from '../fixtures/watan-for-clients.ts';

const PASSWORD = 'alice’s long password';
const watan = watanForClients('dehydration');
const { dir, clients } = watan;
const recovery = new RecoveryKey();
const { cryptoCallbacks } = recovery;

test('a device alice signs in later rehydrates her dehydrated device and reads what bob sent while she had none', async () => {
  const alice = await watan.encrypted(registeredClient(watan.node.url, 'alice', PASSWORD, { cryptoCallbacks }));
  const bob = await watan.encrypted(registeredClient(watan.node.url, 'bob'));
  const crypto = alice.getCrypto();
  assert.ok(crypto);
  await crypto.bootstrapCrossSigning({ authUploadDeviceSigningKeys: async (makeRequest) => void (await makeRequest(null)) });
  recovery.key = await crypto.createRecoveryKeyFromPassphrase();
  await crypto.bootstrapSecretStorage({ createSecretStorageKey: async () => recovery.key as GeneratedSecretStorageKey });
  assert.ok(await crypto.isDehydrationSupported(), 'the server offers dehydrated devices');
  await crypto.startDehydration({ createNewKey: true });
  const dehydrated = await fetch(`${watan.node.url}/_matrix/client/unstable/org.matrix.msc3814.v1/dehydrated_device`, {
    headers: { authorization: `Bearer ${alice.getAccessToken()}` },
  });
  const { device_id: dehydratedId } = (await dehydrated.json()) as { device_id: string };
  assert.ok(dehydratedId, 'a dehydrated device is stored');

  const { room_id: roomId } = await alice.createRoom({
    name: 'Away',
    invite: [bob.getSafeUserId()],
    initial_state: [{ type: 'm.room.encryption', state_key: '', content: { algorithm: 'm.megolm.v1.aes-sha2' } }],
  });
  await until('the invite in bob’s sync', () => bob.getRoom(roomId)?.getMyMembership() === 'invite');
  await bob.joinRoom(roomId);
  const firstDevice = alice.getDeviceId() as string;
  await alice.logout(true);
  await until('bob seeing alice with only her dehydrated device', async () => {
    const devices = (await bob.getCrypto()?.getUserDeviceInfo([alice.getSafeUserId()], true))?.get(alice.getSafeUserId());
    return devices?.has(dehydratedId) && !devices.has(firstDevice) ? true : undefined;
  });
  const whileAway = ['are you there?', 'call me when you are back'];
  for (const body of whileAway) await bob.sendMessage(roomId, { msgtype: MsgType.Text, body });

  const laptop = await watan.encrypted(signedInClient(watan.node.url, alice.getSafeUserId(), PASSWORD, { cryptoCallbacks }));
  await until('the room on alice’s new device', () => laptop.getRoom(roomId));
  await until(
    'bob’s messages on the new device, not yet readable',
    () => shownBodies(laptop, roomId).filter((body) => body === NOT_DECRYPTED).length >= 2,
  );
  // As an app does once the person gives their recovery key: take the cross-signing keys from secret storage, then rehydrate.
  await until('the new device knowing alice’s cross-signing keys', () =>
    laptop.getCrypto()?.userHasCrossSigningKeys(alice.getSafeUserId(), true),
  );
  await laptop.getCrypto()?.bootstrapCrossSigning({ authUploadDeviceSigningKeys: async (makeRequest) => void (await makeRequest(null)) });
  await laptop.getCrypto()?.startDehydration();
  const seen = await until('alice’s new device decrypting what bob sent while she was away', () => {
    const texts = shownBodies(laptop, roomId);
    return whileAway.every((body) => texts.includes(body)) ? texts : undefined;
  });
  assert.deepEqual(
    seen.filter((body) => whileAway.includes(body)),
    whileAway,
  );
});

test('replaying the node’s log reproduces every result and digest of dehydration and rehydration', async () => {
  for (const client of clients) client.stopClient();
  await watan.node.stop('SIGTERM');
  assertReplayReproduces(dir);
});
