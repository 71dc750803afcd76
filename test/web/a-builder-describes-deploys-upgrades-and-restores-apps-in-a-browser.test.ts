/**
 * The builder's journey in chromium (issue 15): a licensed builder signs in through the SSO
 * return page, describes an app in English and refines it by a sentence, deploys it, gives a
 * colleague a role, describes another app in Urdu (right-to-left, Urdu digits) and deploys it.
 * Records are made as two roles, a permission is refused, a workflow step sends the citizen a
 * message their matrix-js-sdk client receives; an upgrade adds a field and old records stay
 * intact; a destructive change is confirmed and the earlier version restored. The licence
 * administrator's console is shown in both languages. Every builder page is screenshotted in
 * English and Urdu and checked with axe-core.
 *
 * The deployed app is used through its generated pages at /apps/{slug}.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createClient, type MatrixClient } from 'matrix-js-sdk';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { newCommandId } from '../../src/subnet/index.ts';
import { type BuilderNode, type SignedIn, startBuilderNode } from '../builder/builder-node.ts';
import { expectNoSeriousAxeViolations, launchBrowser, newPerson, screenshot } from '../fixtures/browser.ts';
import { startSyncing, unrefSdkSyncTimers, until } from '../fixtures/matrix-clients.ts';

unrefSdkSyncTimers();

let b: BuilderNode;
let browser: Browser;
let builder: BrowserContext;
let page: Page;
let citizenClient: MatrixClient | undefined;
/** The app the English description made, and its records. */
let complaints = '';
let citizen: SignedIn;
let staff: SignedIn;
let complaintId = '';
let staffPage: Page;
let citizenPage: Page;

before(async () => {
  b = await startBuilderNode('web-builder-journey');
  browser = await launchBrowser();
});
after(async () => {
  citizenClient?.stopClient();
  await browser?.close();
  await b?.close();
});

/** Checks the page with axe-core and saves its screenshot. */
async function record(name: string): Promise<void> {
  await expectNoSeriousAxeViolations(page);
  await screenshot(page, name);
}

/** Signs a verified person in as the node's SSO returns them (a fresh login token to /sign-in/sso), landing on `next`. */
async function signIn(context: BrowserContext, localpart: string, next: string): Promise<Page> {
  const signingIn = await context.newPage();
  const loginToken = await b.verifiedLoginToken(localpart);
  await signingIn.goto(`${b.m.node.url}/sign-in/sso?loginToken=${encodeURIComponent(loginToken)}&next=${encodeURIComponent(next)}`);
  assert.equal(new URL(signingIn.url()).pathname, next);
  return signingIn;
}

/** Who the page is signed in as, with the session's token as the browser holds it (for the API and the messenger client). */
async function signedInAs(signedIn: Page): Promise<SignedIn> {
  const cookie = (await signedIn.context().cookies()).find((c) => c.name === 'watan_session');
  assert.ok(cookie, 'the browser holds a session');
  return { userId: (await shown(signedIn.locator('header bdi'))).trim(), token: cookie.value };
}

/** From the management page: "Change the app", say what to change, and the draft's diff region. */
async function changeInstalledApp(sentence: string) {
  await page.getByRole('link', { name: 'Change the app' }).click();
  await page.getByLabel('What should change?').fill(sentence);
  await page.getByRole('button', { name: 'Change the app' }).click();
  await page.waitForLoadState();
  return page.getByRole('region', { name: 'What deploying changes' });
}

/**
 * The text of an element as a person sees it rendered (table cells and list items apart), not
 * the bare text nodes: what the assertions below read.
 */
function shown(locator: Locator): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: the rendered text, with cells and lines apart, is what a person reads
  return locator.innerText();
}

const records = (app: string, token: string, path = '') => b.api('GET', `/${app}/records/complaint${path}`, token);

test('a builder signs in through the SSO return page, is licensed, and sees their licence', async () => {
  builder = await newPerson(browser);
  page = await signIn(builder, 'journey-builder', '/builder');
  assert.match(await shown(page.locator('main')), /You do not hold a builder licence/);
  const { userId } = await signedInAs(page);
  // The licence administrator assigns one; the builder's page says so.
  const licensed = await b.m.node.subnet.submit({
    id: newCommandId(),
    app: 'builder',
    method: 'licence_assign',
    args: { user_id: userId, sector: 'government' },
    caller: b.admin.userId,
  });
  assert.ok(licensed.ok, JSON.stringify(licensed));
  await page.reload();
  assert.match(await shown(page.locator('main')), /You hold a builder licence \(Government\)/);
  await record('builder-home-en');
});

test('an app described in English is shown in plain words, refined by a sentence and deployed', async () => {
  await page
    .getByLabel('What should the app do?')
    .fill(
      'complaint tracking for a municipal office: citizens file a complaint, staff resolve it, the citizen is told when it is resolved',
    );
  await page.getByRole('button', { name: 'Show me the app' }).click();
  await page.waitForURL(/\/builder\/describe$/);
  const words = page.getByRole('region', { name: /In plain words/ });
  assert.match(await shown(words), /Citizen can add and see their own “Complaint” record\./);
  assert.match(
    await shown(words),
    /When a “Complaint” takes the step “Resolve”, the message .* goes to the person who created the record\./,
  );
  assert.match(await shown(page.locator('main')), /This is a new app: deploying installs it\./);

  await page.getByLabel('What should change?').fill('staff can also create');
  await page.getByRole('button', { name: 'Change the app' }).click();
  await page.waitForLoadState();
  assert.match(
    await shown(page.getByRole('region', { name: /In plain words/ })),
    /Staff can add, see and change every “Complaint” record\./,
  );
  await record('builder-draft-en');

  await page.getByRole('button', { name: 'Deploy', exact: true }).click();
  await page.waitForURL(/\/builder\/apps\/[a-z0-9-]+\?deployed=1$/);
  complaints = new URL(page.url()).pathname.split('/')[3] ?? '';
  assert.match(await shown(page.getByRole('status')), /Deployed: version 1 is live\./);

  // A colleague signs in; the owner gives them the staff role on the management page.
  staffPage = await signIn(await newPerson(browser), 'journey-staff', '/apps');
  staff = await signedInAs(staffPage);
  await page.getByLabel('User id (like @name:server)').fill(staff.userId);
  await page.getByLabel('Role', { exact: true }).selectOption('staff');
  await page.getByRole('button', { name: 'Give the role' }).click();
  await page.waitForURL(/\?done=roleGiven$/);
  assert.match(await shown(page.getByRole('table').filter({ hasText: staff.userId })), /Staff/);
  await record('builder-manage-en');
});

test('in the app, records are made as two roles, a permission is refused, and a step reaches the citizen in the messenger', async () => {
  citizenPage = await signIn(await newPerson(browser), 'journey-citizen', `/apps/${complaints}`);
  citizen = await signedInAs(citizenPage);
  // The citizen's messenger: a matrix-js-sdk client on the same account.
  citizenClient = createClient({ baseUrl: b.m.node.url, userId: citizen.userId, accessToken: citizen.token, deviceId: 'PHONE' });
  await startSyncing(citizenClient);

  await citizenPage.getByRole('link', { name: 'New complaint' }).click();
  await citizenPage.getByLabel('What is wrong').fill('The water pipe on Street 4 is broken');
  await citizenPage.getByLabel('Location').fill('Street 4, G-9');
  await citizenPage.getByRole('button', { name: 'Submit' }).click();
  await citizenPage.waitForURL(/\/complaint\/\d+\?done=created$/);
  complaintId = new URL(citizenPage.url()).pathname.split('/').at(-1) ?? '';
  assert.equal(await citizenPage.getByRole('button', { name: 'Resolve' }).count(), 0, 'a citizen is offered no staff step');

  // Staff may add complaints too (the refinement said so): a record made as the second role.
  await staffPage.goto(`${b.m.node.url}/apps/${complaints}`);
  await staffPage.getByRole('link', { name: 'New complaint' }).click();
  await staffPage.getByLabel('What is wrong').fill('Street light out near the school');
  await staffPage.getByLabel('Location').fill('Street 1, G-9');
  await staffPage.getByRole('button', { name: 'Submit' }).click();
  await staffPage.waitForURL(/\/complaint\/\d+\?done=created$/);
  const staffRecord = new URL(staffPage.url()).pathname.split('/').at(-1) ?? '';

  // The citizen may not change their complaint (only staff may): the API refuses and the page says so.
  await citizenPage.goto(`${b.m.node.url}/apps/${complaints}/complaint/${complaintId}/edit`);
  await citizenPage.getByLabel('Location').fill('Somewhere else');
  const [refused] = await Promise.all([
    citizenPage.waitForResponse((r) => r.url().endsWith(`/complaint/${complaintId}/edit`) && r.request().method() === 'POST'),
    citizenPage.getByRole('button', { name: 'Save' }).click(),
  ]);
  assert.equal(refused.status(), 403);
  assert.match(await shown(citizenPage.getByRole('alert').first()), /Your role in this app does not allow that/);
  // Nor read the staff member's record.
  assert.equal((await records(complaints, citizen.token, `/${staffRecord}`)).status, 404);

  // Staff resolve the citizen's complaint; the apps' bot tells the citizen in the messenger.
  await staffPage.goto(`${b.m.node.url}/apps/${complaints}/complaint/${complaintId}`);
  await staffPage.getByRole('button', { name: 'Resolve' }).click();
  await staffPage.waitForURL(/\?done=moved$/);
  const me = citizenClient;
  const invited = await until('the bot’s invite', () => me.getRooms().find((room) => room.getMyMembership() === 'invite'));
  await me.joinRoom(invited.roomId);
  const notice = await until('the message in the room', () =>
    me
      .getRoom(invited.roomId)
      ?.getLiveTimeline()
      .getEvents()
      .find((event) => event.getType() === 'm.room.message'),
  );
  assert.equal(notice.getSender(), '@watan-apps:localhost');
  assert.match(notice.getContent().body as string, /^Your complaint is now resolved\./);
});

test('an upgrade with a new field keeps the old records intact', async () => {
  const diff = await changeInstalledApp('add a phone number');
  assert.match(await shown(diff), /safe\s+add field "phone"/);
  assert.doesNotMatch(await shown(diff), /needs confirmation/);
  await page.getByRole('button', { name: 'Deploy', exact: true }).click();
  await page.waitForURL(/\?deployed=2$/);
  const kept = await records(complaints, citizen.token, `/${complaintId}`);
  assert.equal(kept.status, 200);
  const fields = kept.body.fields as Record<string, unknown>;
  assert.equal(fields.details, 'The water pipe on Street 4 is broken');
  assert.equal(fields.location, 'Street 4, G-9');
  assert.equal(fields.status, 'resolved');
});

test('a destructive change needs the confirm box, and restoring the earlier version brings the data back', async () => {
  const diff = await changeInstalledApp('remove the location field');
  assert.match(await shown(diff), /needs confirmation\s+remove field "location".*\(records touched: 2\)/);
  await page.getByRole('button', { name: 'Deploy', exact: true }).click();
  await page.waitForLoadState();
  assert.match(await shown(page.getByRole('alert').first()), /Some changes need your confirmation/);
  await page.getByLabel(/I understand the changes marked/).check();
  await page.getByRole('button', { name: 'Deploy', exact: true }).click();
  await page.waitForURL(/\?deployed=3$/);
  const without = await records(complaints, citizen.token, `/${complaintId}`);
  assert.equal((without.body.fields as Record<string, unknown>).location, undefined);

  await page.getByRole('button', { name: 'Restore this version 2' }).click();
  await page.waitForURL(/\?restored=4$/);
  assert.match(await shown(page.getByRole('status')), /Restored: the app runs it again as version 4\./);
  const back = await records(complaints, citizen.token, `/${complaintId}`);
  assert.equal((back.body.fields as Record<string, unknown>).location, 'Street 4, G-9');
});

test('an app described in Urdu is explained in Urdu, right to left, and deployed', async () => {
  await page.goto(`${b.m.node.url}/builder?lang=ur`);
  assert.equal(await page.locator('html').getAttribute('dir'), 'rtl');
  assert.equal(await page.locator('html').getAttribute('lang'), 'ur');
  await record('builder-home-ur');
  await page.getByLabel('ایپ کو کیا کرنا چاہیے؟').fill('ایک کلینک کے لیے اپائنٹمنٹ بکنگ');
  await page.getByRole('button', { name: 'ایپ دکھائیں' }).click();
  await page.waitForURL(/\/builder\/describe$/);
  const words = await shown(page.getByRole('region', { name: /سادہ الفاظ میں/ }));
  assert.match(words, /مریض: اپنے «اپائنٹمنٹ» ریکارڈ — بنانا، دیکھنا۔/);
  assert.match(words, /نئی ایپ|نیا «اپائنٹمنٹ»/);
  await record('builder-draft-ur');
  await page.getByRole('button', { name: 'نافذ کریں', exact: true }).click();
  await page.waitForURL(/\/builder\/apps\/[a-z0-9-]+\?deployed=1$/);
  assert.match(await shown(page.getByRole('status')), /نافذ ہو گیا: ورژن ۱ چل رہا ہے۔/);
  await record('builder-manage-ur');
  // The English app's management page in Urdu: versions in Urdu digits.
  await page.goto(`${b.m.node.url}/builder/apps/${complaints}`);
  assert.match(await shown(page.getByRole('region', { name: 'ورژن' })), /۴/);
});

test('the licence administrator’s console shows the pool, the licences and the audit trail in both languages', async () => {
  const admin = await newPerson(browser);
  await admin.addCookies([{ name: 'watan_session', value: b.admin.token, url: b.m.node.url }]);
  page = await admin.newPage();
  await page.goto(`${b.m.node.url}/builder/console?lang=en`);
  const pool = await shown(page.getByRole('region', { name: 'The pool by sector' }));
  assert.match(pool, /Government\s+600\s+2\s+598/);
  assert.match(await shown(page.getByRole('region', { name: 'Audit trail' })), /licence assigned/);
  await record('builder-console-en');
  await page.goto(`${b.m.node.url}/builder/console?lang=ur`);
  assert.match(await shown(page.getByRole('region', { name: 'شعبہ وار لائسنس' })), /حکومت\s+۶۰۰\s+۲\s+۵۹۸/);
  await record('builder-console-ur');
  await admin.close();
  await builder.close();
});
