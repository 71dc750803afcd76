/**
 * The startup-inventory example in chromium, as its manager: a supplier (email, phone) and a
 * product with rupees, a reference chosen from the suppliers, a date and yes/no; each value
 * reads back on the record page and in the edit form as it was typed; a bad email is told
 * beside its field; and deleting asks first, then the list says it is gone.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { type BuilderNode, startBuilderNode } from '../builder/builder-node.ts';
import { expectNoSeriousAxeViolations, launchBrowser, newPerson, screenshot } from '../fixtures/browser.ts';

const SLUG = 'startup-inventory';
const spec = JSON.parse(readFileSync(new URL(`../../examples/apps/${SLUG}.json`, import.meta.url), 'utf8'));

let b: BuilderNode;
let browser: Browser;
let page: Page;
let url: string;

const text = async (selector: string) => (await page.locator(selector).first().textContent()) ?? '';
const shownAs = async (label: string) =>
  (await page.locator('dt', { hasText: label }).locator('xpath=following-sibling::dd[1]').first().textContent()) ?? '';

before(async () => {
  b = await startBuilderNode('web-apps-fields');
  url = b.m.node.url;
  const deployed = await b.api('POST', '', b.builder.token, { spec });
  assert.equal(deployed.status, 200, JSON.stringify(deployed.body));
  const loginToken = await b.verifiedLoginToken('manager');
  const given = await b.api('PUT', `/${SLUG}/members/${encodeURIComponent('@manager:localhost')}/roles/manager`, b.builder.token);
  assert.equal(given.status, 200, JSON.stringify(given.body));
  browser = await launchBrowser();
  page = await (await newPerson(browser)).newPage();
  await page.goto(`${url}/sign-in/sso?next=${encodeURIComponent(`/apps/${SLUG}`)}&loginToken=${encodeURIComponent(loginToken)}`);
  assert.equal(new URL(page.url()).pathname, `/apps/${SLUG}`);
});

after(async () => {
  await browser?.close();
  await b?.close();
});

test('a supplier with a bad email is told beside the field, then saved with email and phone', async () => {
  await page.goto(`${url}/apps/${SLUG}/supplier/new`);
  await page.getByLabel('Company').fill('Indus Parts');
  await page.getByLabel('Email').fill('not-an-email');
  await page.getByLabel('Phone').fill('+92 300 1234567');
  await page.getByRole('button', { name: 'Submit' }).click();
  await page.waitForLoadState();
  assert.match(await text('#email-error'), /Enter an email address/);
  assert.equal(await page.getByLabel('Phone').inputValue(), '+92 300 1234567');
  await page.getByLabel('Email').fill('sales@indus.pk');
  await page.getByRole('button', { name: 'Submit' }).click();
  await page.waitForURL(/\/supplier\/1\?done=created$/);
  assert.equal(await shownAs('Email'), 'sales@indus.pk');
  assert.equal(await shownAs('Phone'), '+92 300 1234567');
});

test('a product takes rupees, a supplier chosen by name, a date and yes/no, and reads them back', async () => {
  await page.goto(`${url}/apps/${SLUG}/product/new`);
  await page.getByLabel('SKU').fill('PUMP-1');
  await page.getByLabel('Name', { exact: true }).fill('Water pump');
  await page.getByLabel('In stock').fill('۱۲');
  await page.getByLabel('Price').fill('1250.5');
  await page.getByLabel('Supplier').selectOption({ label: '#1 — Indus Parts' });
  await page.getByLabel('Restock on').fill('2026-12-31');
  await page.getByLabel('Discontinued').selectOption('no');
  await expectNoSeriousAxeViolations(page);
  await screenshot(page, 'app-form-every-type-en');
  await page.getByRole('button', { name: 'Submit' }).click();
  await page.waitForURL(/\/product\/1\?done=created$/);
  assert.equal(await shownAs('In stock'), '12', 'Urdu digits typed are the number');
  assert.equal(await shownAs('Price'), 'Rs 1,250.50');
  assert.equal(await shownAs('Supplier'), '#1');
  assert.match(await shownAs('Restock on'), /^31.Dec.2026$/);
  assert.equal(await shownAs('Discontinued'), 'No');
  const stored = await b.api(
    'GET',
    `/${SLUG}/records/product/1`,
    (await page.context().cookies()).find((c) => c.name === 'watan_session')?.value,
  );
  assert.deepEqual(
    { ...(stored.body.fields as Record<string, unknown>) },
    { sku: 'PUMP-1', title: 'Water pump', quantity: 12, price: 125050, supplier: '1', restock_on: '2026-12-31', discontinued: false },
  );

  await page.getByRole('link', { name: 'Edit' }).click();
  assert.equal(await page.getByLabel('Price').inputValue(), '1250.50');
  assert.equal(await page.getByLabel('Supplier').inputValue(), '1');
  assert.equal(await page.getByLabel('Restock on').inputValue(), '2026-12-31');
  await page.getByLabel('Discontinued').selectOption('yes');
  await page.getByLabel('Price').fill('');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.waitForURL(/\?done=updated$/);
  assert.equal(await shownAs('Discontinued'), 'Yes');
  assert.equal(await shownAs('Price'), '—', 'an emptied field is cleared');

  await page.goto(`${url}/apps/${SLUG}/product/1?lang=ur`);
  assert.equal(await shownAs('اسٹاک میں'), '۱۲');
  await page.goto(`${url}/apps/${SLUG}/product/1?lang=en`);
});

test('deleting asks first: declined keeps the record, accepted removes it', async () => {
  page.once('dialog', (dialog) => dialog.dismiss());
  await page.getByRole('button', { name: 'Delete' }).click();
  assert.equal(new URL(page.url()).pathname, `/apps/${SLUG}/product/1`, 'still on the record');
  page.once('dialog', (dialog) => dialog.accept());
  await page.getByRole('button', { name: 'Delete' }).click();
  await page.waitForURL(/\/product\?done=deleted$/);
  assert.match(await text('[role=status]'), /Deleted/);
  assert.match(await text('main'), /No records match/);
});
