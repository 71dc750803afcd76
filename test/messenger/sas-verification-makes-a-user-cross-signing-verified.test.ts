/**
 * Interactive verification with matrix-js-sdk's Rust crypto against `watan start`: alice and
 * bob compare emoji (SAS) over to-device messages, after which each client signs the other's
 * master key with its user-signing key (/keys/signatures/upload, verified by the executor) and
 * trusts them; alice verifies her own new device over to-device messages, which her
 * self-signing key then signs, so bob trusts that device too.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MatrixClient } from 'matrix-js-sdk';
import { CryptoEvent } from 'matrix-js-sdk/lib/crypto-api/CryptoEvent.js';
import {
  type ShowSasCallbacks,
  VerificationPhase,
  type VerificationRequest,
  VerifierEvent,
} from 'matrix-js-sdk/lib/crypto-api/verification.js';
import { registeredClient, signedInClient, startSyncing, until, withRustCrypto } from '../fixtures/matrix-clients.ts';
import { watanForClients } from '../fixtures/watan-for-clients.ts';

const watan = watanForClients('sas');
const { clients } = watan;

async function encrypted(client: Promise<MatrixClient>): Promise<MatrixClient> {
  const ready = await watan.encrypted(client);
  await ready.getCrypto()?.bootstrapCrossSigning({ authUploadDeviceSigningKeys: async (makeRequest) => void (await makeRequest(null)) });
  return ready;
}

/** The next verification request the client receives. */
function incomingRequest(client: MatrixClient): Promise<VerificationRequest> {
  return new Promise((resolve) => client.once(CryptoEvent.VerificationRequestReceived, resolve));
}

/** Runs SAS from both ends, each side confirming the emoji once it sees them, and checks both saw the same. */
async function compareEmoji(requester: VerificationRequest, responder: VerificationRequest): Promise<void> {
  await responder.accept();
  await until('the request ready on both sides', () => requester.phase === VerificationPhase.Ready);
  const started = requester.startVerification('m.sas.v1');
  const verifier = await started;
  await until('the responder’s verifier', () => responder.verifier);
  const other = responder.verifier;
  assert.ok(other);
  const shown: string[][] = [];
  for (const side of [verifier, other]) {
    side.on(VerifierEvent.ShowSas, (sas: ShowSasCallbacks) => {
      shown.push((sas.sas.emoji ?? []).map(([emoji]) => emoji));
      void sas.confirm();
    });
  }
  await Promise.all([verifier.verify(), other.verify()]);
  assert.equal(shown.length, 2);
  assert.deepEqual(shown[0], shown[1], 'both sides showed the same emoji');
}

test('after comparing emoji, alice and bob each trust the other’s cross-signing identity', async () => {
  const alice = await encrypted(registeredClient(watan.node.url, 'alice'));
  const bob = await encrypted(registeredClient(watan.node.url, 'bob'));
  const { room_id: roomId } = await alice.createRoom({
    invite: [bob.getSafeUserId()],
    initial_state: [{ type: 'm.room.encryption', state_key: '', content: { algorithm: 'm.megolm.v1.aes-sha2' } }],
  });
  await until('the invite in bob’s sync', () => bob.getRoom(roomId)?.getMyMembership() === 'invite');
  await bob.joinRoom(roomId);
  await until('bob joined in alice’s view', () => alice.getRoom(roomId)?.getMember(bob.getSafeUserId())?.membership === 'join');
  assert.equal((await alice.getCrypto()?.getUserVerificationStatus(bob.getSafeUserId()))?.isCrossSigningVerified(), false);

  const received = incomingRequest(bob);
  // In the room, as Element verifies another user (requestVerificationDM sends its body as a string that fetch labels
  // text/plain; the node reads it as JSON, as deployed homeservers do).
  const request = await alice.getCrypto()?.requestVerificationDM(bob.getSafeUserId(), roomId);
  assert.ok(request);
  await compareEmoji(request, await received);
  await until('alice trusting bob', async () =>
    (await alice.getCrypto()?.getUserVerificationStatus(bob.getSafeUserId()))?.isCrossSigningVerified(),
  );
  await until('bob trusting alice', async () =>
    (await bob.getCrypto()?.getUserVerificationStatus(alice.getSafeUserId()))?.isCrossSigningVerified(),
  );

  // The signatures went through the server: alice's user-signing signature on bob's master key, visible to alice only.
  const query = async (asker: MatrixClient) => {
    const answer = await fetch(`${watan.node.url}/_matrix/client/v3/keys/query`, {
      method: 'POST',
      headers: { authorization: `Bearer ${asker.getAccessToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ device_keys: { [bob.getSafeUserId()]: [] } }),
    });
    return ((await answer.json()) as { master_keys: Record<string, { signatures: Record<string, unknown> }> }).master_keys[
      bob.getSafeUserId()
    ];
  };
  assert.ok((await query(alice))?.signatures[alice.getSafeUserId()], 'alice sees her signature on bob’s master key');
  assert.equal((await query(bob))?.signatures[alice.getSafeUserId()], undefined, 'bob does not see it');

  // Alice's new device, verified by her first one over to-device messages, is trusted by bob through her self-signing key.
  const laptop = await withRustCrypto(await signedInClient(watan.node.url, alice.getSafeUserId()));
  clients.push(laptop);
  await startSyncing(laptop);
  await until('alice’s first device knowing the laptop', async () =>
    (await alice.getCrypto()?.getUserDeviceInfo([alice.getSafeUserId()], true))
      ?.get(alice.getSafeUserId())
      ?.has(laptop.getDeviceId() as string),
  );
  const ownRequest = incomingRequest(alice);
  const fromLaptop = await laptop.getCrypto()?.requestOwnUserVerification();
  assert.ok(fromLaptop);
  await compareEmoji(fromLaptop, await ownRequest);
  await until('bob trusting alice’s laptop', async () => {
    const status = await bob.getCrypto()?.getDeviceVerificationStatus(alice.getSafeUserId(), laptop.getDeviceId() as string);
    return status?.crossSigningVerified ? true : undefined;
  });
});
