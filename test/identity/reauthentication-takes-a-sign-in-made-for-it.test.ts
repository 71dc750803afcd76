/**
 * Confirming it is you (the m.login.sso fallback) takes a sign-in made for that confirmation:
 * the relying party checks the ID token's auth_time against when the flow began, so a
 * provider that answers from an old session, not asking again, does not confirm anything.
 * Watan's relying party against `watan idp` over HTTP; a browser that signed in before.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { RelyingParty, type SignInIntent } from '../../src/identity/index.ts';
import { Browser } from './browser.ts';
import { type RunningIdp, startIdp } from './run-idp.ts';

const CALLBACK = 'http://localhost:1/_watan/v1/identity/oidc/callback';
const AYESHA = { cnic: '42101-0000001-1', pin: '1111' };

describe('reauthentication takes a sign-in made for it', { timeout: 120_000 }, () => {
  let root: string;
  let idp: RunningIdp;
  let relyingParty: RelyingParty;
  const browser = new Browser();

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'watan-reauth-'));
    idp = await startIdp(['--port', '0', '--data', join(root, 'idp'), '--client-id', 'messenger', '--redirect-uri', CALLBACK]);
    relyingParty = new RelyingParty({
      id: 'idp',
      name: 'idp',
      issuer: idp.issuer,
      clientId: idp.clientId,
      clientSecret: readFileSync(idp.secretFile, 'utf8').trim(),
      redirectUri: CALLBACK,
      scope: 'openid',
      organisationClaim: 'organisation',
    });
  });
  after(async () => {
    await idp?.kill();
    await rm(root, { recursive: true, force: true });
  });

  /** One flow in the browser: gives whether the provider asked for CNIC and PIN, and what completing it gives. */
  async function signIn(intent: SignInIntent, asked: Parameters<RelyingParty['begin']>[1]) {
    const { authorizationUrl, browserBinding } = await relyingParty.begin(intent, asked);
    const back = (location: string) => location.startsWith(CALLBACK);
    let step = await browser.follow(authorizationUrl, back);
    let askedToSignIn = false;
    if ('page' in step) {
      const action = /<form method="post" action="([^"]+)"/.exec(await step.page.text())?.[1];
      assert.ok(action, 'the provider shows its sign-in form');
      askedToSignIn = true;
      step = await browser.follow(new URL(action, step.url).href, back, AYESHA);
    }
    assert.ok('arrivedAt' in step, 'the provider sends the browser back');
    const completed = relyingParty.complete(new URL(step.arrivedAt).searchParams, browserBinding);
    return { askedToSignIn, completed };
  }

  test('a provider that answers from its session does not confirm; asked with prompt=login and max_age=0 it does', async () => {
    const first = await signIn({ redirectUrl: 'http://client.invalid/', action: 'login' }, {});
    assert.ok(first.askedToSignIn);
    await first.completed;
    // auth_time is in whole seconds: the confirmation begins in a later second than that sign-in.
    await sleep(1100);
    const reauthenticate: SignInIntent = { redirectUrl: '', action: 'reauthenticate', uiaSession: 's' };
    const stale = await signIn(reauthenticate, {});
    assert.equal(stale.askedToSignIn, false, 'not asked, the provider answers from the session it has');
    await assert.rejects(stale.completed, /did not ask you to sign in again; confirming it is you needs a fresh sign-in/);
    const fresh = await signIn(reauthenticate, { prompt: 'login', maxAge: 0 });
    assert.ok(fresh.askedToSignIn, 'prompt=login: the provider asks again');
    assert.equal((await fresh.completed).intent.uiaSession, 's');
  });
});
