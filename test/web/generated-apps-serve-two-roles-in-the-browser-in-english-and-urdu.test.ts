/**
 * Generated app pages in chromium: the complaints example deployed through the API, then a
 * citizen and a member of staff use it in their browsers — forms with errors beside their
 * fields, a photo uploaded and downloaded, a permission refused, a workflow step, a long list
 * paged with the API's cursor, filters and search, and Urdu with right-to-left layout and
 * Urdu digits. axe-core checks every page; screenshots of each page are saved in both languages.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { type BuilderNode, startBuilderNode } from '../builder/builder-node.ts';
import { expectNoSeriousAxeViolations, launchBrowser, newPerson, screenshot } from '../fixtures/browser.ts';
import { PASSWORD } from '../fixtures/messenger-node.ts';

const SLUG = 'complaint-tracking';
const spec = JSON.parse(readFileSync(new URL(`../../examples/apps/${SLUG}.json`, import.meta.url), 'utf8'));
/** A small PNG (one pixel) as the complaint's photo. */
const PHOTO = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

let b: BuilderNode;
let browser: Browser;
let citizen: BrowserContext;
let staff: BrowserContext;
let url: string;

/** Signs a verified person in as the node's SSO would return them: to /sign-in/sso with a fresh login token. */
async function signIn(context: BrowserContext, localpart: string, next: string): Promise<Page> {
  const page = await context.newPage();
  const loginToken = await b.verifiedLoginToken(localpart);
  await page.goto(`${url}/sign-in/sso?next=${encodeURIComponent(next)}&loginToken=${encodeURIComponent(loginToken)}`);
  assert.equal(new URL(page.url()).pathname, next);
  return page;
}

async function checkPage(page: Page, name: string): Promise<void> {
  await expectNoSeriousAxeViolations(page);
  await screenshot(page, name);
}

const text = async (page: Page, selector: string) => (await page.locator(selector).first().textContent()) ?? '';

before(async () => {
  b = await startBuilderNode('web-apps');
  url = b.m.node.url;
  const deployed = await b.api('POST', '', b.builder.token, { spec });
  assert.equal(deployed.status, 200, JSON.stringify(deployed.body));
  browser = await launchBrowser();
  citizen = await newPerson(browser);
  staff = await newPerson(browser);
});

after(async () => {
  await browser?.close();
  await b?.close();
});

test('an anonymous visitor is sent to sign in and comes back to the app', async () => {
  const page = await citizen.newPage();
  await page.goto(`${url}/apps/${SLUG}`);
  assert.equal(new URL(page.url()).pathname, '/sign-in');
  assert.equal(new URL(page.url()).searchParams.get('next'), `/apps/${SLUG}`);
  await page.close();
  const home = await signIn(citizen, 'citizen', `/apps/${SLUG}`);
  assert.equal(await text(home, 'h1'), 'Municipal Complaints');
  await checkPage(home, 'app-home-en');
  await home.close();
});

test('an account without a verified identity holds no role here and is offered nothing', async () => {
  await b.m.register('visitor');
  const context = await newPerson(browser);
  const page = await context.newPage();
  await page.goto(`${url}/apps/${SLUG}`);
  await page.getByLabel('Username').fill('visitor');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${url}/apps/${SLUG}`);
  assert.match(await text(page, 'main'), /let you see nothing here yet/);
  assert.equal(await page.getByRole('link', { name: 'Report a problem' }).count(), 0);
  await context.close();
});

test('a citizen reports a problem: errors stand beside their fields, then the record is saved with its photo', async () => {
  const page = await citizen.newPage();
  await page.goto(`${url}/apps/${SLUG}`);
  await page.getByRole('link', { name: 'Report a problem' }).click();
  assert.equal(await text(page, 'h1'), 'Report a problem');
  await page.getByRole('button', { name: 'Submit' }).click();
  await page.waitForLoadState();
  assert.match(await text(page, '[role=alert]'), /Some fields need attention/);
  for (const field of ['category', 'description', 'location']) {
    assert.equal(await page.locator(`#${field}`).getAttribute('aria-invalid'), 'true', field);
    assert.equal(await text(page, `#${field}-error`), 'This field is required.');
    assert.match((await page.locator(`#${field}`).getAttribute('aria-describedby')) ?? '', new RegExp(`${field}-error`));
  }
  await checkPage(page, 'app-form-errors-en');

  await page.getByLabel('Category').selectOption('water');
  await page.getByLabel('What is wrong').fill('leaks');
  await page.getByLabel('Location').fill('Block 7, Gulshan');
  await page.getByLabel('Ward').fill('0');
  await page.getByRole('button', { name: 'Submit' }).click();
  await page.waitForLoadState();
  assert.equal(await text(page, '#description-error'), 'Write at least 10 characters.');
  assert.equal(await text(page, '#ward-error'), 'Enter at least 1.');
  assert.equal(await page.getByLabel('Location').inputValue(), 'Block 7, Gulshan', 'what was typed is kept');

  await page.getByLabel('What is wrong').fill('The main water pipe has leaked for a week.');
  await page.getByLabel('Ward').fill('12');
  await page.getByLabel('Photo').setInputFiles({ name: 'leak.png', mimeType: 'image/png', buffer: PHOTO });
  await page.getByRole('button', { name: 'Submit' }).click();
  await page.waitForURL(/\/apps\/complaint-tracking\/complaint\/1\?done=created$/);
  assert.match(await text(page, '[role=status]'), /Saved/);
  const details = await text(page, 'dl.record');
  assert.match(details, /Water supply/);
  assert.match(details, /Submitted/);
  assert.match(details, /Block 7, Gulshan/);
  assert.equal(await page.getByRole('button', { name: 'Start work' }).count(), 0, 'a citizen is offered no staff step');
  await checkPage(page, 'app-detail-en');

  const link = await page.getByRole('link', { name: 'Download' }).getAttribute('href');
  const download = await citizen.request.get(`${url}${link}`);
  assert.equal(download.status(), 200);
  assert.deepEqual(Buffer.from(await download.body()), PHOTO, 'the photo comes back as uploaded');
  await page.close();
});

test('with script turned off a citizen still reports a problem and reads it back', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 } });
  const page = await signIn(context, 'citizen-without-script', `/apps/${SLUG}/complaint/new`);
  await page.getByLabel('Category').selectOption('garbage');
  await page.getByLabel('What is wrong').fill('Nobody has collected the garbage for days.');
  await page.getByLabel('Location').fill('Market road');
  await page.getByLabel('Ward').fill('300');
  await page.getByLabel('Photo').setInputFiles({ name: 'pile.png', mimeType: 'image/png', buffer: PHOTO });
  await page.getByRole('button', { name: 'Submit' }).click();
  await page.waitForURL(/\/complaint\/\d+\?done=created$/);
  assert.match(await text(page, 'dl.record'), /Garbage/);
  await context.close();
});

test('a citizen may not edit a complaint: the API refuses and the page says so', async () => {
  const page = await citizen.newPage();
  await page.goto(`${url}/apps/${SLUG}/complaint/1`);
  assert.equal(await page.getByRole('link', { name: 'Edit' }).count(), 0, 'a citizen is not offered an edit');
  // Typing the edit page's address does not get around the API.
  await page.goto(`${url}/apps/${SLUG}/complaint/1/edit`);
  await page.getByLabel('Location').fill('Somewhere else');
  const [answer] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/complaint/1/edit') && r.request().method() === 'POST'),
    page.getByRole('button', { name: 'Save' }).click(),
  ]);
  assert.equal(answer.status(), 403);
  assert.match(await text(page, '[role=alert]'), /Your role in this app does not allow that/);
  await checkPage(page, 'app-refused-en');
  await page.goto(`${url}/apps/${SLUG}/complaint/1`);
  assert.match(await text(page, 'dl.record'), /Block 7, Gulshan/, 'nothing changed');
  await page.close();
});

test('staff are given their role and are offered the edit the citizen was not', async () => {
  const home = await signIn(staff, 'staff', '/');
  const given = await b.api('PUT', `/${SLUG}/members/${encodeURIComponent('@staff:localhost')}/roles/staff`, b.builder.token);
  assert.equal(given.status, 200, JSON.stringify(given.body));
  await home.goto(`${url}/apps/${SLUG}/complaint/1`);
  assert.equal(await home.getByRole('link', { name: 'Edit' }).count(), 1);
  await home.close();
});

test('staff start work on the complaint; the step is offered to their role only', async () => {
  const page = await staff.newPage();
  await page.goto(`${url}/apps/${SLUG}/complaint/1`);
  await page.getByRole('button', { name: 'Start work' }).click();
  await page.waitForURL(/\?done=moved$/);
  assert.match(await text(page, '[role=status]'), /Now: In progress/);
  assert.equal(await text(page, '.state'), 'In progress');
  assert.equal(await page.getByRole('button', { name: 'Start work' }).count(), 0, 'the step is gone once taken');
  assert.equal(await page.getByRole('button', { name: 'Resolve' }).count(), 1);
  // Staff assign the complaint: an account that does not exist is refused beside its field.
  await page.getByRole('link', { name: 'Edit' }).click();
  await page.getByLabel('Assigned to').fill('@nobody:localhost');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.waitForLoadState();
  assert.equal(await text(page, '#assigned_to-error'), 'There is no such account on this server.');
  await checkPage(page, 'app-edit-errors-en');
  await page.getByLabel('Assigned to').fill('@staff:localhost');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.waitForURL(/\?done=updated$/);
  assert.match(await text(page, 'dl.record'), /@staff:localhost/);
  await page.close();
  // The citizen sees the new state and no button.
  const mine = await citizen.newPage();
  await mine.goto(`${url}/apps/${SLUG}/complaint/1`);
  assert.equal(await text(mine, '.state'), 'In progress');
  assert.equal(await mine.getByRole('button', { name: 'Resolve' }).count(), 0);
  await mine.close();
});

test('a long list pages with the API cursor, and filters and search narrow it', async () => {
  const other = await b.verifiedAccount('citizen-two');
  for (let i = 1; i <= 60; i++) {
    const made = await b.api('POST', `/${SLUG}/records/complaint`, other.token, {
      fields: {
        category: i % 2 ? 'sewerage' : 'streetlight',
        description: `Problem number ${i} in the street.`,
        location: `Lane ${i}`,
        ward: 100 + i,
      },
    });
    assert.equal(made.status, 200, JSON.stringify(made.body));
  }
  const page = await staff.newPage();
  await page.goto(`${url}/apps/${SLUG}/complaint`);
  assert.equal(await text(page, 'h1'), 'Complaints');
  const seen = new Set<string>();
  const rows = async () => {
    const ids = await page.locator('tbody th').allTextContents();
    for (const id of ids) seen.add(id);
    return ids.length;
  };
  assert.equal(await rows(), 25);
  await checkPage(page, 'app-list-en');
  await page.getByRole('link', { name: 'Next page' }).click();
  assert.equal(await rows(), 25);
  await page.getByRole('link', { name: 'Next page' }).click();
  assert.equal(await rows(), 12);
  assert.equal(await page.getByRole('link', { name: 'Next page' }).count(), 0, 'the last page has no next');
  assert.equal(seen.size, 62, 'every record once across the pages');

  await page.goto(`${url}/apps/${SLUG}/complaint`);
  await page.getByLabel('Search').fill('Gulshan');
  await page.getByRole('button', { name: 'Show' }).click();
  await page.waitForLoadState();
  assert.equal(await rows(), 1);
  assert.match(await text(page, 'tbody'), /Block 7, Gulshan/);

  await page.goto(`${url}/apps/${SLUG}/complaint`);
  await page.getByText('Filter and sort').click();
  await page.getByLabel('Category').selectOption('sewerage');
  await page.locator('#filter-ward-min').fill('101');
  await page.locator('#filter-ward-max').fill('110');
  await page.getByRole('button', { name: 'Show' }).click();
  await page.waitForURL(/category=sewerage/);
  assert.equal(await rows(), 5, 'odd lanes 1 to 9 are sewerage in wards 101 to 110');
  assert.equal(await page.locator('details.refine').getAttribute('open'), '', 'the filters in use stay unfolded');
  await page.close();
});

test('in Urdu every page is right to left with Urdu digits and dates, and passes axe', async () => {
  const page = await staff.newPage();
  await page.goto(`${url}/apps/${SLUG}/complaint?lang=ur&sort=ward&order=asc`);
  assert.equal(await page.getAttribute('html', 'dir'), 'rtl');
  assert.equal(await page.getAttribute('html', 'lang'), 'ur');
  assert.equal(await text(page, 'h1'), 'شکایات');
  const firstWard = await page.locator('tbody tr').first().locator('td').nth(2).textContent();
  assert.equal(firstWard, '۱۲', 'ward 12 in Extended Arabic-Indic digits');
  await checkPage(page, 'app-list-ur');
  await page.goto(`${url}/apps/${SLUG}`);
  assert.equal(await text(page, 'h1'), 'بلدیاتی شکایات');
  await checkPage(page, 'app-home-ur');
  await page.goto(`${url}/apps/${SLUG}/complaint/1`);
  assert.match(await text(page, 'dl.record'), /پانی کی فراہمی/);
  const value = async (label: string) =>
    (await page.locator('dt', { hasText: label }).locator('xpath=following-sibling::dd[1]').textContent()) ?? '';
  assert.equal(await value('وارڈ'), '۱۲');
  const created = await value('بنایا گیا');
  assert.match(created, /۲۰۲۶|[۰-۹]{4}/, 'the date is written with Urdu digits');
  assert.doesNotMatch(created, /[0-9]/, 'and no Western digits');
  await checkPage(page, 'app-detail-ur');
  await page.close();

  const form = await citizen.newPage();
  await form.goto(`${url}/apps/${SLUG}/complaint/new?lang=ur`);
  assert.equal(await form.getAttribute('html', 'dir'), 'rtl');
  await form.getByRole('button', { name: 'جمع کریں' }).click();
  await form.waitForLoadState();
  assert.equal(await text(form, '#category-error'), 'یہ خانہ ضروری ہے۔');
  await checkPage(form, 'app-form-errors-ur');
  await form.close();
});
