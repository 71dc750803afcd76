import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createClient, type MatrixError } from 'matrix-js-sdk';
import { type RunningWatan, startWatan } from '../cli/run-watan.ts';
import { registeredClient } from '../fixtures/matrix-clients.ts';
import { checkResponsesAgainstSpec } from '../fixtures/spec-conformance.ts';

checkResponsesAgainstSpec();

const dir = mkdtempSync(join(tmpdir(), 'watan-sessions-'));
const PASSWORD = 'long enough password';
/** Access tokens of refresh-token clients live this long in this test (the CLI's unit is seconds). */
const LIFETIME_S = 2;
let node: RunningWatan;

before(async () => {
  node = await startWatan([
    '--dev',
    '--data',
    dir,
    '--port',
    '0',
    '--auth-rate-limit',
    '1000',
    '--access-token-lifetime',
    String(LIFETIME_S),
  ]);
});
after(async () => {
  await node.kill();
  rmSync(dir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

async function call(method: string, path: string, options: { token?: string; body?: unknown } = {}): Promise<Answer> {
  const response = await fetch(`${node.url}${path}`, {
    method,
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function loginWithRefresh(user: string): Promise<{ access_token: string; refresh_token: string; expires_in_ms: number }> {
  const answer = await call('POST', '/_matrix/client/v3/login', {
    body: { type: 'm.login.password', identifier: { type: 'm.id.user', user }, password: PASSWORD, refresh_token: true },
  });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body as { access_token: string; refresh_token: string; expires_in_ms: number };
}

test('a client that takes refresh tokens gets an expiring access token and renews it through matrix-js-sdk', async () => {
  await registeredClient(node.url, 'rita', PASSWORD);
  const anonymous = createClient({ baseUrl: node.url });
  const login = await anonymous.loginRequest({
    type: 'm.login.password',
    identifier: { type: 'm.id.user', user: 'rita' },
    password: PASSWORD,
    refresh_token: true,
  });
  assert.ok(login.refresh_token, 'a refresh token is handed out when asked for');
  assert.equal(login.expires_in_ms, LIFETIME_S * 1000);

  // This SDK renews by itself only through next-generation (OAuth 2.0) auth; with the
  // legacy API the application calls /refresh through it and hands over the new token.
  const client = createClient({ baseUrl: node.url, userId: login.user_id, deviceId: login.device_id, accessToken: login.access_token });
  assert.equal((await client.whoami()).user_id, '@rita:localhost');
  await sleep(LIFETIME_S * 1000 + 300);

  const expired = await client.whoami().catch((e: MatrixError) => e);
  assert.equal((expired as MatrixError).errcode, 'M_UNKNOWN_TOKEN');
  assert.equal((expired as MatrixError).data.soft_logout, true, 'an expired token is a soft logout: the session lives on');

  const renewed = await anonymous.refreshToken(login.refresh_token);
  assert.equal(renewed.expires_in_ms, LIFETIME_S * 1000);
  client.setAccessToken(renewed.access_token);
  const whoami = await client.whoami();
  assert.equal(whoami.user_id, '@rita:localhost');
  assert.equal(whoami.device_id, login.device_id, 'a renewed session keeps its device');
});

test('a used refresh token stays good until its successor is used, then is revoked', async () => {
  await registeredClient(node.url, 'sami', PASSWORD);
  const first = await loginWithRefresh('sami');

  const second = await call('POST', '/_matrix/client/v3/refresh', { body: { refresh_token: first.refresh_token } });
  assert.equal(second.status, 200, JSON.stringify(second.body));
  assert.notEqual(second.body.access_token, first.access_token);
  assert.notEqual(second.body.refresh_token, first.refresh_token);
  const gone = await call('GET', '/_matrix/client/v3/account/whoami', { token: first.access_token });
  assert.equal(gone.body.errcode, 'M_UNKNOWN_TOKEN', 'the access token that was renewed is dead at once');

  // The client lost that answer and tries again with the same refresh token: still accepted.
  const retry = await call('POST', '/_matrix/client/v3/refresh', { body: { refresh_token: first.refresh_token } });
  assert.equal(retry.status, 200, JSON.stringify(retry.body));
  const lost = await call('GET', '/_matrix/client/v3/account/whoami', { token: second.body.access_token as string });
  assert.equal(lost.status, 401, 'the tokens of the lost answer are replaced by the retry');

  const used = await call('GET', '/_matrix/client/v3/account/whoami', { token: retry.body.access_token as string });
  assert.equal(used.status, 200);
  // The revocation follows the first use without holding up that request.
  let revoked = false;
  for (let attempt = 0; attempt < 100 && !revoked; attempt++) {
    const again = await call('POST', '/_matrix/client/v3/refresh', { body: { refresh_token: first.refresh_token } });
    revoked = again.status === 401 && again.body.errcode === 'M_UNKNOWN_TOKEN';
    if (!revoked) await sleep(50);
  }
  assert.ok(revoked, 'the old refresh token still works after the new access token was used');
});

test('signing out revokes the refresh token; unknown refresh tokens and bad bodies are refused', async () => {
  await registeredClient(node.url, 'tariq', PASSWORD);
  const session = await loginWithRefresh('tariq');
  assert.equal((await call('POST', '/_matrix/client/v3/logout', { token: session.access_token, body: {} })).status, 200);
  const after = await call('POST', '/_matrix/client/v3/refresh', { body: { refresh_token: session.refresh_token } });
  assert.equal(after.status, 401);
  assert.equal(after.body.errcode, 'M_UNKNOWN_TOKEN');
  assert.equal(
    (await call('POST', '/_matrix/client/v3/refresh', { body: { refresh_token: 'wat_never-issued' } })).body.errcode,
    'M_UNKNOWN_TOKEN',
  );
  assert.equal((await call('POST', '/_matrix/client/v3/refresh', { body: {} })).body.errcode, 'M_BAD_JSON');
  assert.equal((await call('POST', '/_matrix/client/v3/refresh', { body: { refresh_token: 7 } })).body.errcode, 'M_BAD_JSON');
});

test('a signed-in client makes a single-use login token, after proving the password, for another client to sign in with', async () => {
  const flows = await call('GET', '/_matrix/client/v3/login');
  // --dev also runs the development identity provider, so SSO is offered between the two.
  assert.deepEqual(flows.body.flows, [
    { type: 'm.login.password' },
    { type: 'm.login.sso', identity_providers: [{ id: 'watan-dev-idp', name: 'Development identity provider (test people)' }] },
    { type: 'm.login.token', get_login_token: true },
  ]);
  const uma = await registeredClient(node.url, 'uma', PASSWORD);
  const token = uma.getAccessToken() as string;
  const capabilities = await call('GET', '/_matrix/client/v3/capabilities', { token });
  assert.deepEqual((capabilities.body.capabilities as Record<string, unknown>)['m.get_login_token'], { enabled: true });

  const challenge = await call('POST', '/_matrix/client/v1/login/get_token', { token, body: {} });
  assert.equal(challenge.status, 401, 'consent is asked for every time');
  assert.deepEqual(challenge.body.flows, [{ stages: ['m.login.password'] }]);
  const auth = {
    type: 'm.login.password',
    session: challenge.body.session,
    identifier: { type: 'm.id.user', user: 'uma' },
    password: PASSWORD,
  };
  const made = await call('POST', '/_matrix/client/v1/login/get_token', { token, body: { auth } });
  assert.equal(made.status, 200, JSON.stringify(made.body));
  assert.equal(made.body.expires_in_ms, 120_000);

  const other = createClient({ baseUrl: node.url });
  const signedIn = await other.loginRequest({ type: 'm.login.token', token: made.body.login_token as string });
  assert.equal(signedIn.user_id, '@uma:localhost');
  assert.notEqual(signedIn.device_id, uma.getDeviceId(), 'the new client has a device of its own');
  const again = await other.loginRequest({ type: 'm.login.token', token: made.body.login_token as string }).catch((e: MatrixError) => e);
  assert.equal((again as MatrixError).errcode, 'M_FORBIDDEN', 'a login token works once');
  const forged = await call('POST', '/_matrix/client/v3/login', { body: { type: 'm.login.token', token: 'wat_made-up' } });
  assert.equal(forged.body.errcode, 'M_FORBIDDEN');
  const missing = await call('POST', '/_matrix/client/v3/login', { body: { type: 'm.login.token' } });
  assert.equal(missing.body.errcode, 'M_MISSING_PARAM');
  const anonymous = await call('POST', '/_matrix/client/v1/login/get_token', { body: {} });
  assert.equal(anonymous.body.errcode, 'M_MISSING_TOKEN');
});
