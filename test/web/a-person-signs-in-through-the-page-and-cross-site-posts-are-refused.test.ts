/**
 * The web shell in chromium: a person signs in with the page's form, the session cookie is
 * HttpOnly and SameSite=Strict and its token appears nowhere in the page, a form posted from
 * another site is refused with 403, a wrong password is told next to the form, and signing
 * out ends the session on the node too.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { expectNoSeriousAxeViolations, launchBrowser, newPerson, screenshot } from '../fixtures/browser.ts';
import { type MessengerNode, PASSWORD, startMessengerNode } from '../fixtures/messenger-node.ts';

let m: MessengerNode;
const logLines: string[] = [];
let browser: Browser;
let otherSite: Server;
let otherSiteUrl: string;

before(async () => {
  m = await startMessengerNode('web-sign-in', { logLines });
  await m.register('amina');
  browser = await launchBrowser();
  // Another origin (another port) whose page posts a form to the node, as a hostile site would.
  otherSite = createServer((_request, response) => {
    response.setHeader('content-type', 'text/html');
    response.end(`<!doctype html><form method="post" action="${m.node.url}/sign-out"><button>go</button></form>`);
  });
  await new Promise<void>((resolve) => otherSite.listen(0, '127.0.0.1', resolve));
  const address = otherSite.address();
  otherSiteUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
});

after(async () => {
  await browser?.close();
  otherSite?.close();
  await m?.close();
});

test('a person signs in with the form and gets an HttpOnly, SameSite=Strict session cookie', async () => {
  const context = await newPerson(browser);
  const page = await context.newPage();
  await page.goto(`${m.node.url}/sign-in`);
  await expectNoSeriousAxeViolations(page);
  await screenshot(page, 'sign-in-en');
  await page.getByLabel('Username').fill('amina');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${m.node.url}/`);
  assert.match((await page.locator('header').textContent()) ?? '', /@amina:localhost/);
  const [cookie] = (await context.cookies()).filter((c) => c.name === 'watan_session');
  assert.ok(cookie, 'the session cookie is set');
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, 'Strict');
  assert.equal(cookie.path, '/');
  assert.equal(cookie.secure, false, 'over plain http the cookie cannot be Secure');
  assert.ok(!(await page.content()).includes(cookie.value), 'the token is not in the page');
  assert.equal(((await page.evaluate('document.cookie')) as string).includes('watan_session'), false, 'page script cannot read the token');
  // The token is a real session of the node.
  const whoami = await m.call('GET', '/account/whoami', cookie.value);
  assert.equal(whoami.body.user_id, '@amina:localhost');

  // A form from another site is refused, and the session survives it.
  const hostile = await context.newPage();
  await hostile.goto(otherSiteUrl);
  const [refused] = await Promise.all([hostile.waitForResponse(`${m.node.url}/sign-out`), hostile.getByRole('button').click()]);
  assert.equal(refused.status(), 403);
  await hostile.waitForLoadState();
  assert.match((await hostile.locator('main').textContent()) ?? '', /another site/);
  assert.equal((await m.call('GET', '/account/whoami', cookie.value)).status, 200, 'the session is still alive');

  // Signing out from the site's own page ends the node's session.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/sign-in\?signed_out=1$/);
  assert.match((await page.locator('main').textContent()) ?? '', /You are signed out/);
  assert.equal((await m.call('GET', '/account/whoami', cookie.value)).status, 401, 'the token no longer works');
  assert.equal((await context.cookies()).filter((c) => c.name === 'watan_session').length, 0);
  await context.close();
  // Neither the token nor the password reached the node's log, though both passed through the web.
  const log = logLines.join('');
  assert.ok(log.includes('/sign-in'), 'the web’s requests are logged');
  assert.ok(!log.includes(cookie.value), 'no token in the log');
  assert.ok(!log.includes(PASSWORD), 'no password in the log');
});

test('a wrong password is told at the top of the form and the username is kept', async () => {
  const context = await newPerson(browser);
  const page = await context.newPage();
  await page.goto(`${m.node.url}/sign-in?next=/apps`);
  await page.getByLabel('Username').fill('amina');
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForLoadState();
  assert.match((await page.getByRole('alert').textContent()) ?? '', /do not match an account/);
  assert.equal(await page.getByLabel('Username').inputValue(), 'amina');
  assert.equal((await context.cookies()).filter((c) => c.name === 'watan_session').length, 0);
  await expectNoSeriousAxeViolations(page);
  await context.close();
});

test('a post without Origin or Referer is refused, and a next address off this site is ignored', async () => {
  const refused = await fetch(`${m.node.url}/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: 'amina', password: PASSWORD }).toString(),
    redirect: 'manual',
  });
  assert.equal(refused.status, 403);
  const signedIn = await fetch(`${m.node.url}/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: m.node.url },
    body: new URLSearchParams({ username: 'amina', password: PASSWORD, next: '//evil.example/' }).toString(),
    redirect: 'manual',
  });
  assert.equal(signedIn.status, 303);
  assert.equal(signedIn.headers.get('location'), '/');
});

test('Urdu is chosen with ?lang=ur, kept in a cookie, and laid out right to left', async () => {
  const context = await newPerson(browser);
  const page = await context.newPage();
  await page.goto(`${m.node.url}/sign-in?lang=ur`);
  assert.equal(await page.getAttribute('html', 'dir'), 'rtl');
  assert.equal(await page.getAttribute('html', 'lang'), 'ur');
  await page.goto(`${m.node.url}/sign-in`);
  assert.equal(await page.getAttribute('html', 'dir'), 'rtl', 'the choice is remembered');
  await expectNoSeriousAxeViolations(page);
  await screenshot(page, 'sign-in-ur');
  await context.close();
  // A browser that asks for Urdu gets it without choosing.
  const urduBrowser = await newPerson(browser, { locale: 'ur-PK' });
  const urduPage = await urduBrowser.newPage();
  await urduPage.goto(`${m.node.url}/`);
  assert.equal(await urduPage.getAttribute('html', 'lang'), 'ur');
  await urduBrowser.close();
});
