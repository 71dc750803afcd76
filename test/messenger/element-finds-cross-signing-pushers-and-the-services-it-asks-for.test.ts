/**
 * What Element Web asks of a homeserver at sign-in and on its settings pages: /versions
 * advertising cross-signing, pushers, the 3PID list, a first cross-signing upload with an
 * empty `auth` (Element sends `"auth": {}` after SSO), the unstable alias of that upload, and
 * the TURN and third-party protocol lookups answered as deployed servers answer them.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Account, type MessengerNode, startMessengerNode } from '../fixtures/messenger-node.ts';
import { crossSigningKey, newSigner } from '../fixtures/signed-keys.ts';
import { checkResponsesAgainstSpec } from '../fixtures/spec-conformance.ts';

checkResponsesAgainstSpec();

let messenger: MessengerNode;
let alice: Account;
let bob: Account;

before(async () => {
  messenger = await startMessengerNode('element-settings');
  alice = await messenger.register('alice');
  bob = await messenger.register('bob');
});
after(() => messenger?.close());

const GATEWAY = { url: 'https://push.example.org/_matrix/push/v1/notify', format: 'event_id_only' };
const pusher = (pushkey: string) => ({
  pushkey,
  kind: 'http',
  app_id: 'pk.gov.watan.android',
  app_display_name: 'Watan',
  device_display_name: 'Ayesha’s phone',
  lang: 'ur',
  data: GATEWAY,
});

test('/versions advertises cross-signing and only unstable features Watan has', async () => {
  const response = await fetch(`${messenger.node.url}/_matrix/client/versions`);
  const body = (await response.json()) as { unstable_features: Record<string, boolean> };
  assert.equal(body.unstable_features['org.matrix.e2e_cross_signing'], true);
  assert.deepEqual(Object.keys(body.unstable_features).sort(), [
    'org.matrix.e2e_cross_signing',
    'org.matrix.msc2285.stable',
    'org.matrix.msc3814',
  ]);
});

test('a pusher is set, listed, replaced, and deleted with kind null', async () => {
  assert.deepEqual((await messenger.call('GET', '/pushers', alice.token)).body, { pushers: [] });
  assert.equal((await messenger.call('POST', '/pushers/set', alice.token, pusher('key-1'))).status, 200);
  const listed = await messenger.call('GET', '/pushers', alice.token);
  assert.deepEqual(listed.body, { pushers: [pusher('key-1')] });
  await messenger.call('POST', '/pushers/set', alice.token, { ...pusher('key-1'), lang: 'en' });
  assert.deepEqual((await messenger.call('GET', '/pushers', alice.token)).body, { pushers: [{ ...pusher('key-1'), lang: 'en' }] });
  await messenger.call('POST', '/pushers/set', alice.token, { app_id: 'pk.gov.watan.android', pushkey: 'key-1', kind: null });
  assert.deepEqual((await messenger.call('GET', '/pushers', alice.token)).body, { pushers: [] });
});

test('a push key is one person’s: setting it without append takes it from whoever had it', async () => {
  await messenger.call('POST', '/pushers/set', alice.token, pusher('shared-phone'));
  await messenger.call('POST', '/pushers/set', bob.token, pusher('shared-phone'));
  assert.deepEqual((await messenger.call('GET', '/pushers', alice.token)).body, { pushers: [] });
  assert.deepEqual((await messenger.call('GET', '/pushers', bob.token)).body, { pushers: [pusher('shared-phone')] });
  await messenger.call('POST', '/pushers/set', alice.token, { ...pusher('shared-phone'), append: true });
  assert.equal(((await messenger.call('GET', '/pushers', bob.token)).body.pushers as unknown[]).length, 1, 'append keeps bob’s');
});

test('a pusher goes with the device that set it when that device signs out', async () => {
  const phone = await messenger.login('alice');
  await messenger.call('POST', '/pushers/set', phone.token, pusher('phone-key'));
  const keys = () =>
    messenger.call('GET', '/pushers', alice.token).then((r) => (r.body.pushers as { pushkey: string }[]).map((p) => p.pushkey));
  assert.ok((await keys()).includes('phone-key'), 'every device of the user lists it');
  assert.equal((await messenger.call('POST', '/logout', phone.token, {})).status, 200);
  assert.ok(!(await keys()).includes('phone-key'), 'signing the phone out removed its pusher');
});

test('bad pushers are refused with the error a client can correct', async () => {
  const { lang: _lang, ...noLang } = pusher('x');
  const cases: [unknown, string][] = [
    [noLang, 'M_MISSING_PARAM'],
    [{ ...pusher('x'), data: {} }, 'M_MISSING_PARAM'],
    [{ ...pusher('x'), data: { url: 'https://push.example.org/elsewhere' } }, 'M_INVALID_PARAM'],
    [{ ...pusher('x'), kind: 'carrier-pigeon' }, 'M_INVALID_PARAM'],
    [{ ...pusher('x'), kind: 'email', app_id: 'm.email' }, 'M_INVALID_PARAM'],
    [{ ...pusher('x'), pushkey: 5 }, 'M_BAD_JSON'],
  ];
  for (const [body, errcode] of cases) {
    const answer = await messenger.call('POST', '/pushers/set', alice.token, body);
    assert.equal(answer.status, 400, JSON.stringify(body));
    assert.equal(answer.body.errcode, errcode, JSON.stringify(answer.body));
  }
  assert.equal((await messenger.call('GET', '/pushers')).status, 401, 'pushers are only for the signed-in user');
});

test('/account/3pid lists no third-party ids, and /thirdparty/protocols no protocols', async () => {
  assert.deepEqual(await messenger.call('GET', '/account/3pid', alice.token), { status: 200, body: { threepids: [] } });
  assert.deepEqual(await messenger.call('GET', '/thirdparty/protocols', alice.token), { status: 200, body: {} });
  assert.equal((await messenger.call('GET', '/account/3pid')).status, 401);
});

test('/voip/turnServer answers {} while no TURN server is configured', async () => {
  assert.deepEqual(await messenger.call('GET', '/voip/turnServer', alice.token), { status: 200, body: {} });
  assert.equal((await messenger.call('GET', '/voip/turnServer')).status, 401);
});

test('a first cross-signing upload with "auth": {} needs no password; replacing the keys does', async () => {
  const carol = await messenger.register('carol');
  const first = { master_key: crossSigningKey(carol.userId, 'master', newSigner()), auth: {} };
  const answer = await messenger.call('POST', '/keys/device_signing/upload', carol.token, first);
  assert.deepEqual(answer, { status: 200, body: {} });
  const replacement = { master_key: crossSigningKey(carol.userId, 'master', newSigner()), auth: {} };
  const challenge = await messenger.call('POST', '/keys/device_signing/upload', carol.token, replacement);
  assert.equal(challenge.status, 401);
  assert.deepEqual(challenge.body.flows, [{ stages: ['m.login.password'] }]);
});

test('the cross-signing upload answers under the unstable prefix too', async () => {
  const dave = await messenger.register('dave');
  const response = await fetch(`${messenger.node.url}/_matrix/client/unstable/keys/device_signing/upload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${dave.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ master_key: crossSigningKey(dave.userId, 'master', newSigner()) }),
  });
  assert.equal(response.status, 200, await response.clone().text());
  const query = await messenger.call('POST', '/keys/query', dave.token, { device_keys: { [dave.userId]: [] } });
  assert.ok((query.body.master_keys as Record<string, unknown>)[dave.userId], 'the key was stored');
});
