/**
 * SSO behind a load balancer: the browser starts signing in on replica A, the identity
 * provider sends it back to replica B's callback, and the person confirms the client with a
 * form that reaches A again. The pending sign-in travels sealed in the browser's cookie
 * (no replica keeps it); the confirmation waits in etcd, sealed by its id, and is used once.
 * Each replica has its own relying party, as separate processes would; they share only the
 * identity binding secret, which a cluster's replicas must (a person is one person on all).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_ACCOUNT_POLICY, RelyingParty, type RunningProvider, startDevelopmentProvider } from '../../src/identity/index.ts';
import { SSO_CALLBACK_PATH } from '../../src/messenger/index.ts';
import type { RunningNode } from '../../src/node/index.ts';
import { freePort } from '../../src/subnet/index.ts';
import { matrixCall } from '../fixtures/messenger-node.ts';
import { type MessengerReplicas, replicaUrl, startMessengerReplicas } from '../fixtures/messenger-replicas.ts';
import { Browser } from '../identity/browser.ts';

const CLIENT = 'http://client.invalid/after-sign-in';
const AYESHA = { cnic: '42101-0000001-1', pin: '1111' };
const CONTINUE_PATH = '/_watan/v1/identity/oidc/continue';

test('an SSO sign-in started on one replica completes on another', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'watan-sso-replicas-'));
  const ports = [await freePort(), await freePort()];
  // The provider knows one callback, where the load balancer happens to send it: replica B.
  const redirectUri = `${replicaUrl(ports[1] as number)}${SSO_CALLBACK_PATH}`;
  const client = { clientId: 'messenger', clientSecret: randomBytes(24).toString('base64url'), redirectUris: [redirectUri] };
  let provider: RunningProvider | undefined;
  let replicas: MessengerReplicas | undefined;
  try {
    provider = await startDevelopmentProvider({ dataDir: join(dir, 'idp'), host: '127.0.0.1', port: 0, clients: [client] });
    const issuer = provider.issuer;
    const bindingSecret = randomBytes(32);
    const identity = () => {
      const relyingParty = new RelyingParty({
        ...client,
        id: 'watan-dev-idp',
        name: 'Development identity provider',
        issuer,
        redirectUri,
        scope: 'openid',
        organisationClaim: 'organisation',
      });
      return {
        identity: {
          relyingParty,
          bindingSecret,
          policy: DEFAULT_ACCOUNT_POLICY,
          trustedIssuers: [],
          administrators: [],
          trustedClients: [],
        },
      };
    };
    replicas = await startMessengerReplicas('sso-replicas', 2, identity, ports);
    const [a, b] = replicas.nodes as [RunningNode, RunningNode];

    const browser = new Browser();
    const toClient = (location: string) => location.startsWith(CLIENT);
    const start = `${a.url}/_matrix/client/v3/login/sso/redirect?redirectUrl=${encodeURIComponent(CLIENT)}`;
    const signInPage = await browser.follow(start, toClient);
    assert.ok('page' in signInPage, 'the provider shows its sign-in form');
    const action = /<form method="post" action="([^"]+)"/.exec(await signInPage.page.text())?.[1];
    assert.ok(action?.includes('/interaction/') && action, 'the form is the provider’s');
    const confirmationPage = await browser.follow(new URL(action, signInPage.url).href, toClient, AYESHA);
    assert.ok('page' in confirmationPage);
    assert.ok(confirmationPage.url.startsWith(`${b.url}${SSO_CALLBACK_PATH}`), `the callback reached replica B: ${confirmationPage.url}`);
    const html = await confirmationPage.page.text();
    assert.equal(confirmationPage.page.status, 200, html);
    const confirmation = /name="confirmation" value="([^"]+)"/.exec(html)?.[1];
    assert.ok(confirmation, 'B asks the person to confirm the client');

    // The form is posted to replica A this time.
    const back = await browser.follow(`${a.url}${CONTINUE_PATH}`, toClient, { confirmation });
    assert.ok('arrivedAt' in back, 'A sends the browser back to the client');
    const loginToken = new URL(back.arrivedAt).searchParams.get('loginToken');
    assert.ok(loginToken);
    const reused = await browser.request(`${b.url}${CONTINUE_PATH}`, { confirmation });
    assert.equal(reused.status, 400, 'a confirmation is used once, whichever replica is asked');

    await replicas.settle();
    const signedIn = await matrixCall(b.url, 'POST', '/login', undefined, { type: 'm.login.token', token: loginToken });
    assert.equal(signedIn.status, 200, JSON.stringify(signedIn.body));
    assert.match(signedIn.body.user_id as string, /^@.+:localhost$/);
  } finally {
    await replicas?.close();
    await provider?.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
