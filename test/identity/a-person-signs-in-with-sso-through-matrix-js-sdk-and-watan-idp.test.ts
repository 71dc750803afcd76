import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createClient, Method } from 'matrix-js-sdk';
import { type RunningWatan, startWatan } from '../cli/run-watan.ts';
import { crossSigningKey, newSigner } from '../fixtures/signed-keys.ts';
import { checkResponsesAgainstSpec } from '../fixtures/spec-conformance.ts';
import { credentialFor, POLICY_FRAME, present, registerWith } from './credentials.ts';
import { freePort, type RunningIdp, startIdp } from './run-idp.ts';
import { signedInClient, ssoSignIn } from './sso.ts';
import { identifyingValuesIn } from './the-data-folder.ts';

checkResponsesAgainstSpec();

const AYESHA = { cnic: '42101-0000001-1', pin: '1111' };
const BILAL = { cnic: '42101-0000002-2', pin: '2222' };
const ZARA_UNDER_AGE = { cnic: '42101-0000003-3', pin: '3333' };
const HINA = { cnic: '35202-0000007-7', pin: '7777' };

/**
 * The production wiring: `watan idp` runs alone as the OpenID provider, and `watan start` is
 * its relying party through --oidc-issuer, --oidc-client-id and --oidc-client-secret-file, as
 * it would be of the national provider. matrix-js-sdk drives Matrix SSO; the browser's part
 * is plain HTTP (redirects, the provider's form).
 */
describe('a person signs in with SSO through matrix-js-sdk, watan start and watan idp', { timeout: 120_000 }, () => {
  let root: string;
  let idp: RunningIdp;
  let node: RunningWatan;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'watan-sso-'));
    const port = await freePort();
    idp = await startIdp([
      '--port',
      '0',
      '--data',
      join(root, 'idp'),
      '--client-id',
      'messenger',
      '--redirect-uri',
      `http://localhost:${port}/_watan/v1/identity/oidc/callback`,
    ]);
    // The provider's credential key, as an operator would copy it into the node's configuration.
    const metadata = (await (await fetch(`${idp.issuer}/.well-known/jwt-vc-issuer`)).json()) as {
      issuer: string;
      jwks: { keys: unknown[] };
    };
    const trustedIssuers = join(root, 'trusted-issuers.json');
    await writeFile(trustedIssuers, JSON.stringify({ issuers: [{ issuer: metadata.issuer, keys: metadata.jwks.keys }] }));
    node = await startWatan([
      '--trusted-issuers-file',
      trustedIssuers,
      '--data',
      join(root, 'node'),
      '--port',
      String(port),
      '--oidc-issuer',
      idp.issuer,
      '--oidc-client-id',
      idp.clientId,
      '--oidc-client-secret-file',
      idp.secretFile,
      '--auth-rate-limit',
      '1000',
    ]);
  });

  after(async () => {
    await node?.kill();
    await idp?.kill();
    await rm(root, { recursive: true, force: true });
  });

  test('GET /login offers m.login.sso with the provider, and m.login.token', async () => {
    const flows = await createClient({ baseUrl: node.url }).loginFlows();
    const types = flows.flows.map((flow) => flow.type);
    assert.ok(types.includes('m.login.sso'), `flows: ${types}`);
    assert.ok(types.includes('m.login.token'), `flows: ${types}`);
  });

  let ayeshaUserId: string;

  test('a first sign-in creates the account, and matrix-js-sdk ends logged in with the login token', async () => {
    const outcome = await ssoSignIn(node.url, AYESHA);
    assert.ok('loginToken' in outcome, `the sign-in was refused: ${JSON.stringify(outcome)}`);
    assert.equal(outcome.confirmedClient, 'client.invalid', 'the person confirms the client before a login token goes to it');
    const client = await signedInClient(node.url, outcome.loginToken);
    const whoami = await client.whoami();
    assert.match(whoami.user_id, /^@u-[a-z0-9]{12}:localhost$/, 'user ids are random, not derived from identity claims');
    assert.equal(whoami.user_id, client.getUserId());
    ayeshaUserId = whoami.user_id;
    const localpart = whoami.user_id.slice(1, whoami.user_id.indexOf(':'));
    const profile = await client.getProfileInfo(whoami.user_id);
    assert.equal(profile.displayname, localpart, 'named by the random localpart, nothing that identifies her');
    // Element's first cross-signing upload after an SSO sign-in carries an empty auth.
    const master = crossSigningKey(whoami.user_id, 'master', newSigner());
    assert.deepEqual(
      await client.http.authedRequest(Method.Post, '/keys/device_signing/upload', undefined, { master_key: master, auth: {} }),
      {},
    );
    // The login token is single-use.
    await assert.rejects(signedInClient(node.url, outcome.loginToken), /login token is not valid/);
  });

  test('signing in again reaches the same account', async () => {
    const outcome = await ssoSignIn(node.url, AYESHA);
    assert.ok('loginToken' in outcome, JSON.stringify(outcome));
    const client = await signedInClient(node.url, outcome.loginToken);
    assert.equal((await client.whoami()).user_id, ayeshaUserId);
  });

  test('a second registration by the same person is refused with the policy message', async () => {
    const outcome = await ssoSignIn(node.url, AYESHA, { action: 'register' });
    assert.ok('refused' in outcome, `a second account was made: ${JSON.stringify(outcome)}`);
    assert.equal(outcome.refused.status, 403);
    assert.equal(outcome.refused.errcode, 'M_FORBIDDEN');
    assert.match(outcome.refused.error, /already has 1 verified account and the policy allows 1 per person/);
  });

  test('another person gets their own account', async () => {
    const outcome = await ssoSignIn(node.url, BILAL, { action: 'register' });
    assert.ok('loginToken' in outcome, JSON.stringify(outcome));
    const client = await signedInClient(node.url, outcome.loginToken);
    assert.notEqual((await client.whoami()).user_id, ayeshaUserId);
  });

  test('an under-age person is refused with the age policy message', async () => {
    const outcome = await ssoSignIn(node.url, ZARA_UNDER_AGE);
    assert.ok('refused' in outcome, `an under-age account was made: ${JSON.stringify(outcome)}`);
    assert.equal(outcome.refused.status, 403);
    assert.equal(outcome.refused.errcode, 'M_FORBIDDEN');
    assert.match(outcome.refused.error, /accounts on this server are for people aged 18 or over/);
  });

  test('a wrong PIN stays on the provider page and signs nobody in', async () => {
    const outcome = await ssoSignIn(node.url, { cnic: AYESHA.cnic, pin: '9999' });
    assert.ok('refused' in outcome, `a wrong PIN signed in: ${JSON.stringify(outcome)}`);
    assert.equal(outcome.refused.status, 401);
    assert.match(outcome.refused.error, /do not match a test person/);
  });

  test('bad SSO requests get Matrix errors, not 500s', async () => {
    const noRedirect = await fetch(`${node.url}/_matrix/client/v3/login/sso/redirect`);
    assert.equal(noRedirect.status, 400);
    assert.equal(((await noRedirect.json()) as { errcode: string }).errcode, 'M_MISSING_PARAM');
    const script = await fetch(`${node.url}/_matrix/client/v3/login/sso/redirect?redirectUrl=javascript:alert(1)`);
    assert.equal(((await script.json()) as { errcode: string }).errcode, 'M_INVALID_PARAM');
    const unknownIdp = await fetch(`${node.url}/_matrix/client/v3/login/sso/redirect/nobody?redirectUrl=http://client.invalid/`);
    assert.equal(unknownIdp.status, 404);
    const forged = await fetch(`${node.url}/_watan/v1/identity/oidc/callback?code=abc&state=made-up`);
    assert.equal(forged.status, 400);
    assert.match(((await forged.json()) as { error: string }).error, /unknown or has expired/);
  });

  test('a confirmation is used once, and a made-up one is refused', async () => {
    const continued = await fetch(`${node.url}/_watan/v1/identity/oidc/continue`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'confirmation=made-up',
    });
    assert.equal(continued.status, 400);
    assert.match(((await continued.json()) as { error: string }).error, /unknown, used or expired/);
    const empty = await fetch(`${node.url}/_watan/v1/identity/oidc/continue`, { method: 'POST' });
    assert.equal(empty.status, 400);
  });

  test('a callback in a browser that did not start the sign-in is refused', async () => {
    const start = await fetch(
      `${node.url}/_matrix/client/v3/login/sso/redirect?redirectUrl=${encodeURIComponent('http://client.invalid/')}`,
      {
        redirect: 'manual',
      },
    );
    const state = new URL(start.headers.get('location') ?? '').searchParams.get('state');
    const stolen = await fetch(`${node.url}/_watan/v1/identity/oidc/callback?code=abc&state=${state}`);
    assert.equal(stolen.status, 400);
    assert.match(((await stolen.json()) as { error: string }).error, /started in another browser/);
  });

  test('a credential of the configured issuer registers; the same person by SSO or by credential is one person', async () => {
    const hina = await registerWith(node.url, await present(await credentialFor(idp.issuer, HINA), POLICY_FRAME));
    assert.equal(hina.status, 200, JSON.stringify(hina.body));
    // Ayesha holds an account from SSO: the credential carries the same pairwise subject, so the limit holds across both paths.
    const ayesha = await registerWith(node.url, await present(await credentialFor(idp.issuer, AYESHA), POLICY_FRAME));
    assert.equal(ayesha.status, 403);
    assert.match(String(ayesha.body.error), /already has 1 verified account/);
  });

  test('after the run, neither data folder nor the output holds a CNIC, a name or a birth date', async () => {
    const found = identifyingValuesIn(root, node.stdout() + node.stderr() + idp.output());
    assert.deepEqual(found, []);
  });
});
