import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { MatrixClient } from 'matrix-js-sdk';
import { registeredClient } from '../fixtures/matrix-clients.ts';
import { checkResponsesAgainstSpec } from '../fixtures/spec-conformance.ts';
import { signedInClient, ssoSignIn, ssoTestNode } from './sso.ts';

checkResponsesAgainstSpec();

const SANA = { cnic: '61101-0000005-5', pin: '5555' };
const AYESHA = { cnic: '42101-0000001-1', pin: '1111' };

async function loginTokenOf(baseUrl: string, person: { cnic: string; pin: string }): Promise<string> {
  const outcome = await ssoSignIn(baseUrl, person);
  assert.ok('loginToken' in outcome, JSON.stringify(outcome));
  // This node trusts the test client (--sso-trusted-client), so no confirmation page is shown.
  assert.equal(outcome.confirmedClient, undefined);
  return outcome.loginToken;
}

async function post(baseUrl: string, path: string, client: MatrixClient | undefined, body: unknown) {
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(client ? { authorization: `Bearer ${client.getAccessToken()}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function isVerified(reader: MatrixClient, userId: string): Promise<boolean> {
  const profile = (await reader.getProfileInfo(userId)) as Record<string, unknown>;
  return profile['pk.gov.watan.verified_person'] === true;
}

/**
 * The administrator is named on the command line (--identity-admin); in development it holds
 * a password account. Revocation and deactivation both close the account; the person then
 * binds a new one.
 */
describe('an owner deactivates, an administrator revokes, and the person binds again', { timeout: 120_000 }, () => {
  const watan = ssoTestNode('revoke', ['--identity-admin', '@admin:localhost']);
  let admin: MatrixClient;
  let reader: MatrixClient;

  before(async () => {
    admin = await registeredClient(watan.url, 'admin');
    reader = await signedInClient(watan.url, await loginTokenOf(watan.url, AYESHA));
  });

  let first: MatrixClient;

  test('only a configured administrator may revoke a binding', async () => {
    first = await signedInClient(watan.url, await loginTokenOf(watan.url, SANA));
    const byOwner = await post(watan.url, '/_watan/v1/identity/revoke', first, { user_id: first.getUserId() });
    assert.equal(byOwner.status, 403);
    assert.match(String(byOwner.body.error), /only the identity administrators/);
    const anonymous = await post(watan.url, '/_watan/v1/identity/revoke', undefined, { user_id: first.getUserId() });
    assert.equal(anonymous.status, 401);
    const bad = await post(watan.url, '/_watan/v1/identity/revoke', admin, { user: 'x' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.errcode, 'M_BAD_JSON');
  });

  test('a revoked account loses its badge and its sessions, and cannot be revoked twice', async () => {
    const userId = first.getUserId() as string;
    assert.equal(await isVerified(reader, userId), true);
    const revoked = await post(watan.url, '/_watan/v1/identity/revoke', admin, { user_id: userId });
    assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
    assert.equal(await isVerified(reader, userId), false);
    await assert.rejects(first.whoami(), (error: { errcode?: string }) => error.errcode === 'M_UNKNOWN_TOKEN');
    const again = await post(watan.url, '/_watan/v1/identity/revoke', admin, { user_id: userId });
    assert.equal(again.status, 404);
    assert.equal(again.body.errcode, 'M_NOT_FOUND');
  });

  let second: MatrixClient;

  test('after revocation the person signs in again and gets a new verified account', async () => {
    second = await signedInClient(watan.url, await loginTokenOf(watan.url, SANA));
    assert.notEqual(second.getUserId(), first.getUserId());
    assert.equal(await isVerified(reader, second.getUserId() as string), true);
  });

  test('deactivation needs a login token from a fresh sign-in of the same person', async () => {
    const missing = await post(watan.url, '/_watan/v1/identity/deactivate', second, {});
    assert.equal(missing.status, 400);
    assert.equal(missing.body.errcode, 'M_BAD_JSON');
    const someoneElses = await post(watan.url, '/_watan/v1/identity/deactivate', second, {
      login_token: await loginTokenOf(watan.url, AYESHA),
    });
    assert.equal(someoneElses.status, 403);
    assert.match(String(someoneElses.body.error), /fresh sign-in/);
    const made = await post(watan.url, '/_watan/v1/identity/deactivate', second, { login_token: 'wat_made-up' });
    assert.equal(made.status, 403);
    const notVerified = await post(watan.url, '/_watan/v1/identity/deactivate', admin, { login_token: 'wat_made-up' });
    assert.equal(notVerified.status, 404);
  });

  test('the owner deactivates with a fresh sign-in; the account closes and the person can bind again', async () => {
    const userId = second.getUserId() as string;
    const deactivated = await post(watan.url, '/_watan/v1/identity/deactivate', second, {
      login_token: await loginTokenOf(watan.url, SANA),
    });
    assert.equal(deactivated.status, 200, JSON.stringify(deactivated.body));
    await assert.rejects(second.whoami(), (error: { errcode?: string }) => error.errcode === 'M_UNKNOWN_TOKEN');
    assert.equal(await isVerified(reader, userId), false);
    const third = await signedInClient(watan.url, await loginTokenOf(watan.url, SANA));
    assert.ok(![first.getUserId(), second.getUserId()].includes(third.getUserId()));
    assert.equal(await isVerified(reader, third.getUserId() as string), true);
  });
});
