/**
 * matrix-js-sdk with its Rust crypto against `watan start`: alice bootstraps cross-signing
 * (the first upload needs no user-interactive auth), secret
 * storage in account data and a server-side key backup; a device she signs in later reads the
 * secrets, restores the backup and decrypts the history written before it existed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type MatrixError, MsgType } from 'matrix-js-sdk';
import type { GeneratedSecretStorageKey } from 'matrix-js-sdk/lib/crypto-api/index.js';
import { RustBackupManager } from 'matrix-js-sdk/lib/rust-crypto/backup.js';
import { assertDataFolderHoldsNone } from '../fixtures/data-folder-search.ts';
import { RecoveryKey, registeredClient, shownBodies, signedInClient, until } from '../fixtures/matrix-clients.ts';
import { assertReplayReproduces } from '../fixtures/replay-data-folder.ts';
import { watanForClients } from '../fixtures/watan-for-clients.ts';

// The SDK waits a random 0–10 s before uploading keys to a backup, to spread clients' load; a test has one client.
(RustBackupManager as { maxBackupLoopStartDelayMillis: number }).maxBackupLoopStartDelayMillis = 0;

const PASSWORD = 'alice’s long password';
const HISTORY = ['dear diary 1', 'dear diary 2', 'dear diary 3', 'dear diary 4', 'dear diary 5'];
const watan = watanForClients('backup');
const { dir, clients } = watan;
const recovery = new RecoveryKey();
const { cryptoCallbacks } = recovery;

test('a new device of alice restores her key backup from secret storage and decrypts the history before it', async () => {
  const alice = await watan.encrypted(registeredClient(watan.node.url, 'alice', PASSWORD, { cryptoCallbacks }));
  const crypto = alice.getCrypto();
  assert.ok(crypto);
  const challenges: string[] = [];
  const withPassword = async (makeRequest: (auth: Record<string, unknown> | null) => Promise<unknown>) => {
    try {
      await makeRequest(null);
    } catch (error) {
      const session = (error as MatrixError).data?.session as string | undefined;
      if ((error as MatrixError).httpStatus !== 401 || !session) throw error;
      challenges.push(session);
      await makeRequest({
        type: 'm.login.password',
        identifier: { type: 'm.id.user', user: alice.getSafeUserId() },
        password: PASSWORD,
        session,
      });
    }
  };
  await crypto.bootstrapCrossSigning({ authUploadDeviceSigningKeys: withPassword });
  assert.equal(challenges.length, 0, 'the first cross-signing keys are uploaded without a password');
  assert.ok((await crypto.getCrossSigningStatus()).publicKeysOnDevice, 'the cross-signing keys are alice’s');
  assert.ok(
    await crypto.isCrossSigningReady(),
    'cross-signing is ready: the server holds the keys, and the device is signed by its self-signing key',
  );

  recovery.key = await crypto.createRecoveryKeyFromPassphrase();
  await crypto.bootstrapSecretStorage({
    createSecretStorageKey: async () => recovery.key as GeneratedSecretStorageKey,
    setupNewKeyBackup: true,
  });
  assert.ok(await crypto.isSecretStorageReady(), 'secret storage holds the cross-signing and backup keys');
  const backup = await crypto.getKeyBackupInfo();
  assert.ok(backup?.version, 'a backup version exists on the server');

  const { room_id: roomId } = await alice.createRoom({
    name: 'Diary',
    initial_state: [{ type: 'm.room.encryption', state_key: '', content: { algorithm: 'm.megolm.v1.aes-sha2' } }],
  });
  await until('the room in alice’s sync', () => alice.getRoom(roomId));
  const history = HISTORY;
  for (const body of history) await alice.sendMessage(roomId, { msgtype: MsgType.Text, body });
  const headers = { authorization: `Bearer ${alice.getAccessToken()}` };
  await until('the room key in the backup', async () => {
    const answer = await fetch(`${watan.node.url}/_matrix/client/v3/room_keys/version`, { headers });
    return ((await answer.json()) as { count: number }).count >= 1;
  });

  const laptop = await watan.encrypted(signedInClient(watan.node.url, alice.getSafeUserId(), PASSWORD, { cryptoCallbacks }));
  await until('the room on the new device', () => laptop.getRoom(roomId));
  const laptopCrypto = laptop.getCrypto();
  assert.ok(laptopCrypto);
  assert.deepEqual(
    shownBodies(laptop, roomId).filter((body) => history.includes(body)),
    [],
    'before the restore, the new device has no key for the history',
  );
  await laptopCrypto.loadSessionBackupPrivateKeyFromSecretStorage();
  const check = await laptopCrypto.checkKeyBackupAndEnable();
  assert.equal(check?.backupInfo?.version, backup.version);
  const restored = await laptopCrypto.restoreKeyBackup();
  assert.ok(restored.imported >= 1, `imported ${restored.imported} of ${restored.total} keys`);
  const seen = await until('the new device decrypting the history', () => {
    const texts = shownBodies(laptop, roomId);
    return history.every((body) => texts.includes(body)) ? texts : undefined;
  });
  assert.deepEqual(seen, history);
});

test('replaying the node’s log reproduces every result and digest of cross-signing, secret storage and the backup, and no plaintext is on disk', async () => {
  for (const client of clients) client.stopClient();
  await watan.node.stop('SIGTERM');
  assertReplayReproduces(dir);
  // Nor did the history, the backup or secret storage put a plaintext on the server's disk.
  assertDataFolderHoldsNone(dir, HISTORY, 'Diary');
});
