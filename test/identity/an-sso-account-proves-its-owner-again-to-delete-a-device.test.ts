import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MatrixClient, MatrixError } from 'matrix-js-sdk';
import { registeredClient } from '../fixtures/matrix-clients.ts';
import { checkResponsesAgainstSpec } from '../fixtures/spec-conformance.ts';
import { Browser } from './browser.ts';
import { signedInClient, ssoSignIn, ssoTestNode } from './sso.ts';

checkResponsesAgainstSpec();

const AYESHA = { cnic: '42101-0000001-1', pin: '1111' };
const BILAL = { cnic: '42101-0000002-2', pin: '2222' };

type Challenge = { session: string; flows: { stages: string[] }[] };

async function ssoClient(baseUrl: string, person: { cnic: string; pin: string }): Promise<MatrixClient> {
  const outcome = await ssoSignIn(baseUrl, person);
  assert.ok('loginToken' in outcome, JSON.stringify(outcome));
  return signedInClient(baseUrl, outcome.loginToken);
}

/** The 401 of user-interactive auth, as matrix-js-sdk hands it back. */
async function challengeOf(attempt: Promise<unknown>): Promise<Challenge> {
  const error = (await attempt.then(
    () => undefined,
    (failure: MatrixError) => failure,
  )) as MatrixError | undefined;
  assert.equal(error?.httpStatus, 401, 'the request needs user-interactive auth');
  return error.data as unknown as Challenge;
}

/**
 * What a client does with the m.login.sso stage: it opens the fallback page in a browser; the
 * page names what is being confirmed and the person continues; the person signs in at the
 * provider (which must ask even a browser it knows) and lands on the page that tells the
 * client it is done — or on one that says why not.
 */
async function proveAtFallback(baseUrl: string, session: string, person: { cnic: string; pin: string }, browser = new Browser()) {
  let step = await browser.follow(`${baseUrl}/_matrix/client/v3/auth/m.login.sso/fallback/web?session=${session}`, () => false);
  let confirmPage: string | undefined;
  let askedToSignIn = false;
  if ('page' in step && step.page.status === 200) {
    confirmPage = await step.page.clone().text();
    const onward = /<a href="([^"]+)">Continue<\/a>/.exec(confirmPage)?.[1];
    assert.ok(onward, `the fallback first asks to continue: ${confirmPage}`);
    step = await browser.follow(new URL(onward.replaceAll('&#38;', '&'), step.url).href, () => false);
  }
  for (let pages = 0; pages < 2 && 'page' in step; pages++) {
    const html = await step.page.clone().text();
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
    if (!action?.includes('/interaction/')) break;
    askedToSignIn = true;
    step = await browser.follow(new URL(action, step.url).href, () => false, { cnic: person.cnic, pin: person.pin });
  }
  assert.ok('page' in step, 'the fallback ends on a page');
  return {
    status: step.page.status,
    html: await step.page.text(),
    csp: step.page.headers.get('content-security-policy') ?? '',
    confirmPage,
    askedToSignIn,
  };
}

async function postJson(url: string, token: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('an SSO account proves its owner again, through the fallback page, to delete a device', { timeout: 120_000 }, () => {
  const watan = ssoTestNode('sso-uia');

  test('an account without a password is offered m.login.sso, one with a password m.login.password', async () => {
    const ayesha = await ssoClient(watan.url, AYESHA);
    const challenge = await challengeOf(ayesha.deleteDevice(ayesha.getDeviceId() as string));
    assert.deepEqual(challenge.flows, [{ stages: ['m.login.sso'] }]);
    const withPassword = await registeredClient(watan.url, 'uia_password_user');
    assert.deepEqual((await challengeOf(withPassword.deleteDevice(withPassword.getDeviceId() as string))).flows, [
      { stages: ['m.login.password'] },
    ]);
  });

  test('someone else signing in at the fallback does not complete the owner’s session', async () => {
    const ayesha = await ssoClient(watan.url, AYESHA);
    const other = await ssoClient(watan.url, AYESHA);
    const { session } = await challengeOf(ayesha.deleteDevice(other.getDeviceId() as string));
    const page = await proveAtFallback(watan.url, session, BILAL);
    assert.equal(page.status, 403);
    assert.match(page.html, /someone other than the owner of this account/);
    await challengeOf(ayesha.deleteDevice(other.getDeviceId() as string, { session }));
    assert.ok(await other.whoami(), 'the other device is still signed in');
  });

  test('the owner signing in again at the fallback completes it, and the device is deleted', async () => {
    const ayesha = await ssoClient(watan.url, AYESHA);
    const other = await ssoClient(watan.url, AYESHA);
    const { session } = await challengeOf(ayesha.deleteDevice(other.getDeviceId() as string));
    const page = await proveAtFallback(watan.url, session, AYESHA);
    assert.equal(page.status, 200, page.html);
    assert.match(page.html, /onAuthDone/, 'the page signals the client as the specification describes');
    assert.match(page.csp, /script-src 'sha256-/, 'its script is allowed by hash and no other');
    await ayesha.deleteDevice(other.getDeviceId() as string, { session } as never);
    await assert.rejects(other.whoami(), /M_UNKNOWN_TOKEN|not valid/);
    await challengeOf(ayesha.deleteDevice(ayesha.getDeviceId() as string, { session }));
  });

  test('the fallback names what is confirmed, and the provider asks the person again even in a browser it knows', async () => {
    const browser = new Browser();
    const outcome = await ssoSignIn(watan.url, AYESHA, { browser });
    assert.ok('loginToken' in outcome);
    const ayesha = await signedInClient(watan.url, outcome.loginToken);
    const other = await ssoClient(watan.url, AYESHA);
    const { session } = await challengeOf(ayesha.deleteDevice(other.getDeviceId() as string));
    const page = await proveAtFallback(watan.url, session, AYESHA, browser);
    assert.match(page.confirmPage ?? '', /Confirm it is you to sign out and delete a device/);
    assert.ok(page.askedToSignIn, 'prompt=login and max_age=0: the provider asked for CNIC and PIN although it had a session');
    assert.equal(page.status, 200, page.html);
  });

  test('a session proved for one request does not pass another', async () => {
    const ayesha = await ssoClient(watan.url, AYESHA);
    const other = await ssoClient(watan.url, AYESHA);
    const third = await ssoClient(watan.url, AYESHA);
    const token = ayesha.getAccessToken() as string;
    const deleteOther = { devices: [other.getDeviceId()] };
    const first = await postJson(`${watan.url}/_matrix/client/v3/delete_devices`, token, deleteOther);
    assert.equal(first.status, 401);
    const session = first.body.session as string;
    assert.equal((await proveAtFallback(watan.url, session, AYESHA)).status, 200);
    const deactivate = await postJson(`${watan.url}/_matrix/client/v3/account/deactivate`, token, {
      auth: { type: 'm.login.sso', session },
    });
    assert.equal(deactivate.status, 401, 'deactivation is another request');
    assert.notEqual(deactivate.body.session, session, 'with a fresh challenge');
    const more = await postJson(`${watan.url}/_matrix/client/v3/delete_devices`, token, {
      devices: [other.getDeviceId(), third.getDeviceId()],
      auth: { type: 'm.login.sso', session },
    });
    assert.equal(more.status, 401, 'deleting more devices than were confirmed is another request');
    assert.ok(await ayesha.whoami(), 'the account is not deactivated');
    assert.ok(await third.whoami(), 'the third device is still signed in');
    const confirmed = await postJson(`${watan.url}/_matrix/client/r0/delete_devices`, token, {
      auth: { type: 'm.login.sso', session },
      ...deleteOther,
    });
    assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
    await assert.rejects(other.whoami(), /M_UNKNOWN_TOKEN|not valid/);
  });

  test('an account bound to a verified person cannot be given a password', async () => {
    const ayesha = await ssoClient(watan.url, AYESHA);
    const refused = await postJson(`${watan.url}/_matrix/client/v3/account/password`, ayesha.getAccessToken() as string, {
      new_password: 'a-password-that-would-skip-the-provider',
    });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.errcode, 'M_FORBIDDEN');
    assert.match(String(refused.body.error), /sign in through the identity provider/);
  });

  test('an unknown or used session has no fallback page', async () => {
    const page = await proveAtFallback(watan.url, 'no-such-session', AYESHA);
    assert.equal(page.status, 400);
    const unknownType = await fetch(`${watan.url}/_matrix/client/v3/auth/m.login.email.identity/fallback/web?session=x`);
    assert.equal(unknownType.status, 404);
    assert.equal(((await unknownType.json()) as { errcode: string }).errcode, 'M_UNRECOGNIZED');
  });
});
