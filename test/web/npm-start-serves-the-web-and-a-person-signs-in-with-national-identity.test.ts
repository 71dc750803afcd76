/**
 * `watan start --dev` (what `npm start` runs) serves the web; a person signs in in chromium
 * with the development identity provider: the sign-in page's SSO link goes through the node's
 * Matrix SSO redirect to the provider, back through Watan's confirmation, to /sign-in/sso,
 * which exchanges the login token for the session cookie and brings them where they began.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { type RunningWatan, startWatan } from '../cli/run-watan.ts';
import { expectNoSeriousAxeViolations, launchBrowser, newPerson } from '../fixtures/browser.ts';
import { freePort } from '../identity/run-idp.ts';

let root: string;
let watan: RunningWatan;
let browser: Browser;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'watan-web-sso-'));
  const port = await freePort();
  watan = await startWatan(['--dev', '--data', join(root, 'data'), '--port', String(port), '--host', '127.0.0.1'], 60_000);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await watan?.stop('SIGTERM');
  await rm(root, { recursive: true, force: true });
});

test('a person signs in with national identity from the sign-in page and lands where they began', async () => {
  const context = await newPerson(browser);
  const page = await context.newPage();
  await page.goto(`${watan.url}/apps`);
  assert.equal(new URL(page.url()).pathname, '/sign-in');
  await page.getByRole('link', { name: 'Sign in with national identity' }).click();
  // The development provider's own sign-in form.
  await page.waitForURL((address) => !address.href.startsWith(watan.url));
  await page.locator('input[name=cnic]').fill('42101-0000001-1');
  await page.locator('input[name=pin]').fill('1111');
  await page.locator('form button[type=submit], form input[type=submit]').first().click();
  // Watan asks the person to confirm the site the sign-in goes to, unless it trusts it.
  await page.waitForURL((address) => address.href.startsWith(watan.url));
  if (new URL(page.url()).pathname !== '/apps') {
    await page.locator('form[method=post] button, form[method=post] input[type=submit]').first().click();
    await page.waitForURL(`${watan.url}/apps`);
  }
  assert.match((await page.locator('header').textContent()) ?? '', /Signed in as @/);
  const cookie = (await context.cookies()).find((c) => c.name === 'watan_session');
  assert.ok(cookie?.httpOnly, 'the session is an HttpOnly cookie');
  assert.ok(!page.url().includes('loginToken'), 'the login token is gone from the address');
  await expectNoSeriousAxeViolations(page);
  await context.close();
});
