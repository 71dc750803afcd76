/**
 * Keys a client publishes are checked against their signatures (appendix "Signing JSON") in
 * the executor: device keys by the device's own ed25519 key, one-time keys by the device,
 * self-signing and user-signing keys by the master key, and later signatures by the key
 * allowed to make them. A forged signature is refused over HTTP, and also when a command
 * reaches the log without passing through ingress.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { nodeParts } from '../../src/cli/composition.ts';
import { type RunningNode, startNode } from '../../src/node/index.ts';
import { newCommandId } from '../../src/subnet/index.ts';
import { testNodeConfig, UNREACHED_LIMITS } from '../fixtures/messenger-node.ts';
import { crossSigningKey, deviceKeys, newSigner, type Signed, signedBy } from '../fixtures/signed-keys.ts';
import { checkResponsesAgainstSpec } from '../fixtures/spec-conformance.ts';

checkResponsesAgainstSpec();

const dir = mkdtempSync(join(tmpdir(), 'watan-key-signatures-'));
let node: RunningNode;

interface Account {
  token: string;
  userId: string;
  deviceId: string;
}

async function call(method: string, path: string, token: string | undefined, body?: unknown) {
  const response = await fetch(`${node.url}/_matrix/client/v3${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function register(username: string): Promise<Account> {
  const body = { username, password: 'long enough password' };
  const { session } = (await call('POST', '/register', undefined, body)).body as { session: string };
  const account = (await call('POST', '/register', undefined, { ...body, auth: { type: 'm.login.dummy', session } })).body;
  return { token: account.access_token as string, userId: account.user_id as string, deviceId: account.device_id as string };
}

async function queryKeys(asker: Account, userId: string) {
  return (await call('POST', '/keys/query', asker.token, { device_keys: { [userId]: [] } })).body as {
    device_keys: Record<string, Record<string, Signed & { unsigned?: Record<string, unknown> }>>;
    master_keys: Record<string, Signed>;
    self_signing_keys: Record<string, Signed>;
    user_signing_keys: Record<string, Signed>;
    failures: Record<string, unknown>;
  };
}

let alice: Account;
let bob: Account;
const aliceDevice = newSigner();

before(async () => {
  node = await startNode({
    ...testNodeConfig(dir),
    parts: nodeParts({ openRegistration: true, rateLimits: UNREACHED_LIMITS }),
  });
  alice = await register('alice');
  bob = await register('bob');
});
after(async () => {
  await node.close();
  rmSync(dir, { recursive: true, force: true });
});

test('device keys signed by the device’s own key are kept and served by /keys/query', async () => {
  const keys = signedBy(deviceKeys(alice.userId, alice.deviceId, aliceDevice), alice.userId, `ed25519:${alice.deviceId}`, aliceDevice);
  const upload = await call('POST', '/keys/upload', alice.token, { device_keys: keys });
  assert.equal(upload.status, 200, JSON.stringify(upload.body));
  const served = (await queryKeys(bob, alice.userId)).device_keys[alice.userId]?.[alice.deviceId];
  const { unsigned, ...published } = served ?? {};
  assert.deepEqual(published, keys, 'served exactly as signed');
  assert.ok(unsigned, 'with the unsigned section the server adds');
});

test('device keys with a forged signature are refused with M_INVALID_SIGNATURE', async () => {
  const eve = await register('eve');
  const eveDevice = newSigner();
  const forger = newSigner();
  // Signed by a key that is not the one the object names.
  const forged = signedBy(deviceKeys(eve.userId, eve.deviceId, eveDevice), eve.userId, `ed25519:${eve.deviceId}`, forger);
  const refused = await call('POST', '/keys/upload', eve.token, { device_keys: forged });
  assert.equal(refused.status, 400);
  assert.equal(refused.body.errcode, 'M_INVALID_SIGNATURE');
  // Signed properly, then changed: the signature no longer covers what is sent.
  const tampered = {
    ...signedBy(deviceKeys(eve.userId, eve.deviceId, eveDevice), eve.userId, `ed25519:${eve.deviceId}`, eveDevice),
    algorithms: ['m.none'],
  };
  assert.equal((await call('POST', '/keys/upload', eve.token, { device_keys: tampered })).body.errcode, 'M_INVALID_SIGNATURE');
  const unsigned = deviceKeys(eve.userId, eve.deviceId, eveDevice);
  assert.equal(
    (await call('POST', '/keys/upload', eve.token, { device_keys: { ...unsigned, signatures: {} } })).body.errcode,
    'M_INVALID_SIGNATURE',
  );
  assert.deepEqual((await queryKeys(bob, eve.userId)).device_keys[eve.userId], {}, 'nothing of eve’s was published');
});

test('a forged signature is refused by the executor itself, not only by ingress', async () => {
  const mallory = await register('mallory');
  const forged = signedBy(
    deviceKeys(mallory.userId, mallory.deviceId, newSigner()),
    mallory.userId,
    `ed25519:${mallory.deviceId}`,
    newSigner(),
  );
  const result = await node.subnet.submit({
    id: newCommandId(),
    app: 'messenger',
    method: 'upload_keys',
    args: { device_id: mallory.deviceId, device_keys: forged } as never,
    caller: mallory.userId,
  });
  assert.equal(result.ok, false);
  assert.equal(!result.ok && result.error.code, 'M_INVALID_SIGNATURE');
});

test('device keys claiming another user or another device are refused with M_FORBIDDEN', async () => {
  const signer = newSigner();
  const asBob = signedBy(deviceKeys(bob.userId, alice.deviceId, signer), bob.userId, `ed25519:${alice.deviceId}`, signer);
  assert.equal((await call('POST', '/keys/upload', alice.token, { device_keys: asBob })).body.errcode, 'M_FORBIDDEN');
  const otherDevice = signedBy(deviceKeys(alice.userId, 'OTHER', signer), alice.userId, 'ed25519:OTHER', signer);
  assert.equal((await call('POST', '/keys/upload', alice.token, { device_keys: otherDevice })).body.errcode, 'M_FORBIDDEN');
});

test('one-time and fallback keys must be signed by the device; a bad one refuses the whole upload', async () => {
  const good = signedBy({ key: newSigner().publicKey }, alice.userId, `ed25519:${alice.deviceId}`, aliceDevice);
  const bad = signedBy({ key: newSigner().publicKey }, alice.userId, `ed25519:${alice.deviceId}`, newSigner());
  const refused = await call('POST', '/keys/upload', alice.token, {
    one_time_keys: { 'signed_curve25519:AAAA': good, 'signed_curve25519:AAAB': bad },
  });
  assert.equal(refused.body.errcode, 'M_INVALID_SIGNATURE');
  const counts = await call('POST', '/keys/upload', alice.token, { one_time_keys: { 'signed_curve25519:AAAA': good } });
  assert.deepEqual(counts.body.one_time_key_counts, { signed_curve25519: 1 }, 'only the good upload was kept');
  const fallback = signedBy({ key: newSigner().publicKey, fallback: true }, alice.userId, `ed25519:${alice.deviceId}`, newSigner());
  assert.equal(
    (await call('POST', '/keys/upload', alice.token, { fallback_keys: { 'signed_curve25519:AAAC': fallback } })).body.errcode,
    'M_INVALID_SIGNATURE',
  );
  // The same key id with another key would confuse the device that made it.
  const again = signedBy({ key: newSigner().publicKey }, alice.userId, `ed25519:${alice.deviceId}`, aliceDevice);
  assert.equal(
    (await call('POST', '/keys/upload', alice.token, { one_time_keys: { 'signed_curve25519:AAAA': again } })).body.errcode,
    'M_INVALID_PARAM',
  );
});

test('cross-signing keys must be signed by the master key, and replacing them needs the password', async () => {
  const master = newSigner();
  const selfSigning = newSigner();
  const userSigning = newSigner();
  const masterKey = crossSigningKey(alice.userId, 'master', master);
  const forgedSelfSigning = signedBy(
    crossSigningKey(alice.userId, 'self_signing', selfSigning),
    alice.userId,
    `ed25519:${master.publicKey}`,
    newSigner(),
  );
  const refused = await call('POST', '/keys/device_signing/upload', alice.token, {
    master_key: masterKey,
    self_signing_key: forgedSelfSigning,
  });
  assert.equal(refused.status, 400);
  assert.equal(refused.body.errcode, 'M_INVALID_SIGNATURE');
  assert.deepEqual((await queryKeys(alice, alice.userId)).master_keys, {}, 'nothing was kept');

  const keys = {
    master_key: masterKey,
    self_signing_key: signedBy(
      crossSigningKey(alice.userId, 'self_signing', selfSigning),
      alice.userId,
      `ed25519:${master.publicKey}`,
      master,
    ),
    user_signing_key: signedBy(
      crossSigningKey(alice.userId, 'user_signing', userSigning),
      alice.userId,
      `ed25519:${master.publicKey}`,
      master,
    ),
  };
  assert.equal((await call('POST', '/keys/device_signing/upload', alice.token, keys)).status, 200, 'the first upload needs no password');
  assert.equal((await call('POST', '/keys/device_signing/upload', alice.token, keys)).status, 200, 'nor does repeating it');
  const replacement = { master_key: crossSigningKey(alice.userId, 'master', newSigner()) };
  const challenge = await call('POST', '/keys/device_signing/upload', alice.token, replacement);
  assert.equal(challenge.status, 401);
  assert.deepEqual(challenge.body.flows, [{ stages: ['m.login.password'] }]);
  const own = await queryKeys(alice, alice.userId);
  assert.deepEqual(own.master_keys[alice.userId], masterKey, 'the master key was not replaced without the password');
  assert.deepEqual(own.user_signing_keys[alice.userId], keys.user_signing_key, 'alice sees her own user-signing key');
  assert.deepEqual((await queryKeys(bob, alice.userId)).user_signing_keys, {}, 'bob does not see it');

  // Signatures uploaded later: alice's device by her self-signing key; a forged one is a failure.
  const stored = (await queryKeys(alice, alice.userId)).device_keys[alice.userId]?.[alice.deviceId] as Signed;
  const { unsigned: _unsigned, ...device } = stored;
  const signedDevice = signedBy(device, alice.userId, `ed25519:${selfSigning.publicKey}`, selfSigning);
  const forgedDevice = signedBy(device, alice.userId, `ed25519:${selfSigning.publicKey}`, newSigner());
  const forgedAnswer = await call('POST', '/keys/signatures/upload', alice.token, { [alice.userId]: { [alice.deviceId]: forgedDevice } });
  assert.equal(
    (forgedAnswer.body.failures as Record<string, Record<string, { errcode: string }>>)[alice.userId]?.[alice.deviceId]?.errcode,
    'M_INVALID_SIGNATURE',
  );
  const accepted = await call('POST', '/keys/signatures/upload', alice.token, { [alice.userId]: { [alice.deviceId]: signedDevice } });
  assert.deepEqual(accepted.body.failures, {});
  const served = (await queryKeys(bob, alice.userId)).device_keys[alice.userId]?.[alice.deviceId];
  assert.equal(
    served?.signatures?.[alice.userId]?.[`ed25519:${selfSigning.publicKey}`],
    signedDevice.signatures?.[alice.userId]?.[`ed25519:${selfSigning.publicKey}`],
  );
});

test('a signature by bob’s user-signing key on alice’s master key is seen by bob alone', async () => {
  const master = newSigner();
  const userSigning = newSigner();
  const keys = {
    master_key: crossSigningKey(bob.userId, 'master', master),
    user_signing_key: signedBy(crossSigningKey(bob.userId, 'user_signing', userSigning), bob.userId, `ed25519:${master.publicKey}`, master),
  };
  assert.equal((await call('POST', '/keys/device_signing/upload', bob.token, keys)).status, 200);
  const aliceMaster = (await queryKeys(bob, alice.userId)).master_keys[alice.userId] as Signed;
  const masterId = Object.values(aliceMaster.keys as Record<string, string>)[0] as string;
  const signed = signedBy(aliceMaster, bob.userId, `ed25519:${userSigning.publicKey}`, userSigning);
  const sinceOf = async (account: Account) => ((await call('GET', '/sync', account.token)).body as { next_batch: string }).next_batch;
  const [bobSince, aliceSince] = [await sinceOf(bob), await sinceOf(alice)];
  const answer = await call('POST', '/keys/signatures/upload', bob.token, { [alice.userId]: { [masterId]: signed } });
  assert.deepEqual(answer.body.failures, {});
  // Bob's devices must fetch alice's keys again to see the signature; alice has nothing new to fetch.
  const changedFor = async (account: Account, since: string) =>
    ((await call('GET', `/sync?since=${since}`, account.token)).body as { device_lists: { changed: string[] } }).device_lists.changed;
  assert.deepEqual(await changedFor(bob, bobSince), [alice.userId]);
  assert.deepEqual(await changedFor(alice, aliceSince), []);
  assert.ok((await queryKeys(bob, alice.userId)).master_keys[alice.userId]?.signatures?.[bob.userId], 'bob sees his signature');
  assert.equal((await queryKeys(alice, alice.userId)).master_keys[alice.userId]?.signatures?.[bob.userId], undefined, 'alice does not');
  const remote = await call('POST', '/keys/query', bob.token, { device_keys: { '@someone:elsewhere.example': [] } });
  assert.ok((remote.body.failures as Record<string, unknown>)['elsewhere.example'], 'a server this one does not reach is a failure');
});
