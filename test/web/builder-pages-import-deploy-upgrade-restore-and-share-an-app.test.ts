/**
 * The builder pages over plain HTTP (forms as a browser without JavaScript sends them): an
 * exported app is imported, reviewed and deployed; the editable form adds a field and the diff
 * calls it safe; removing a field needs the confirm box; an older version is restored; a
 * co-builder and a member are added; the console assigns and revokes a licence. Every answer
 * is a page (never JSON, never a 500), and a form from another site is refused.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { type BuilderNode, type SignedIn, startBuilderNode } from '../builder/builder-node.ts';

let b: BuilderNode;
const example = readFileSync(new URL('../../examples/apps/complaint-tracking.json', import.meta.url), 'utf8');

before(async () => {
  b = await startBuilderNode('web-builder-pages');
});
after(() => b?.close());

interface Page {
  status: number;
  location: string | null;
  text: string;
}

/** A page asked as the signed-in person, with the session cookie a browser would send. */
async function get(who: SignedIn, path: string): Promise<Page> {
  const response = await fetch(`${b.m.node.url}${path}`, { headers: { cookie: `watan_session=${who.token}` }, redirect: 'manual' });
  return { status: response.status, location: response.headers.get('location'), text: await response.text() };
}

/** A form posted from one of the site's own pages (same Origin), url-encoded like a browser. */
async function post(who: SignedIn, path: string, fields: [string, string][], origin = b.m.node.url): Promise<Page> {
  const response = await fetch(`${b.m.node.url}${path}`, {
    method: 'POST',
    headers: { cookie: `watan_session=${who.token}`, origin, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });
  return { status: response.status, location: response.headers.get('location'), text: await response.text() };
}

/** Every control of the page's form that posts to `action`, with the values a browser would send unchanged. */
function formFields(page: string, action: string): [string, string][] {
  const start = page.indexOf(`action="${action}"`);
  assert.ok(start >= 0, `the page has a form posting to ${action}`);
  const form = page.slice(start, page.indexOf('</form>', start));
  const fields: [string, string][] = [];
  const unescaped = (text: string) =>
    text
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  for (const match of form.matchAll(/<input ([^>]*)>/g)) {
    const attributes = match[1] ?? '';
    const name = /name="([^"]*)"/.exec(attributes)?.[1];
    if (!name) continue;
    const type = /type="([^"]*)"/.exec(attributes)?.[1] ?? 'text';
    if ((type === 'checkbox' || type === 'radio') && !/ checked/.test(attributes)) continue;
    fields.push([name, unescaped(/value="([^"]*)"/.exec(attributes)?.[1] ?? (type === 'checkbox' ? 'on' : ''))]);
  }
  for (const match of form.matchAll(/<select id="[^"]*" name="([^"]*)"[^>]*>(.*?)<\/select>/gs)) {
    const selected = /<option value="([^"]*)" selected>/.exec(match[2] ?? '') ?? /<option value="([^"]*)"/.exec(match[2] ?? '');
    fields.push([match[1] ?? '', unescaped(selected?.[1] ?? '')]);
  }
  for (const match of form.matchAll(/<textarea [^>]*name="([^"]*)"[^>]*>(.*?)<\/textarea>/gs))
    fields.push([match[1] ?? '', unescaped(match[2] ?? '')]);
  return fields;
}

/** The page's main content from `marker` on, without the forms' hidden drafts (for short, readable failures). */
function part(page: Page, marker: string): string {
  const at = page.text.indexOf(marker);
  assert.ok(
    at >= 0,
    `the page (${page.status}) has ${marker}: ${page.text.slice(page.text.indexOf('<main'), page.text.indexOf('<main') + 600)}`,
  );
  return page.text.slice(at, at + 3000).replace(/name="draft" value="[^"]*"/g, 'name="draft"');
}

const set = (fields: [string, string][], name: string, value: string): [string, string][] => [
  ...fields.filter(([n]) => n !== name),
  [name, value],
];

test('an exported app is imported, shown in plain words and deployed; the home page lists it', async () => {
  const home = await get(b.builder, '/builder');
  assert.equal(home.status, 200);
  assert.match(home.text, /You hold a builder licence \(government\)/);
  assert.match(home.text, /You have no apps yet/);

  const draft = await post(b.builder, '/builder/import', [['json', example]]);
  assert.equal(draft.status, 200, draft.text);
  assert.match(draft.text, /In plain words: Municipal Complaints/);
  assert.match(draft.text, /Citizen can add and see their own “Complaint” record\./);
  assert.match(draft.text, /This is a new app: deploying installs it\./);

  const deployed = await post(b.builder, '/builder/deploy', formFields(draft.text, '/builder/deploy'));
  assert.equal(deployed.status, 303, deployed.text);
  assert.equal(deployed.location, '/builder/apps/complaint-tracking?deployed=1');
  const manage = await get(b.builder, deployed.location ?? '');
  assert.equal(manage.status, 200);
  assert.match(manage.text, /Deployed: version 1 is live\./);

  const listed = await get(b.builder, '/builder');
  assert.match(listed.text, /Municipal Complaints <bdi dir="ltr">\(complaint-tracking\)<\/bdi>/);
  assert.match(listed.text, /href="\/apps\/complaint-tracking"/);
});

test('the editable form adds a field (safe), then removing one needs the confirm box, and restore brings it back', async () => {
  const citizen = await b.verifiedAccount('web-citizen');
  const filed = await b.api('POST', '/complaint-tracking/records/complaint', citizen.token, {
    fields: { category: 'water', description: 'No water since Monday morning', location: 'Street 4', ward: 12 },
  });
  assert.equal(filed.status, 200, JSON.stringify(filed.body));

  const edit = await get(b.builder, '/builder/apps/complaint-tracking/edit');
  assert.equal(edit.status, 200);
  // The blank field row of the first record kind is the new field: a phone number.
  let fields = formFields(edit.text, '/builder/edit');
  const blank = 7; // complaint has 7 fields (0–6); row 7 is the blank one
  fields = set(fields, `entity_0_field_${blank}_en`, 'Phone number');
  fields = set(fields, `entity_0_field_${blank}_ur`, 'فون نمبر');
  fields = set(fields, `entity_0_field_${blank}_type`, 'phone');
  const edited = await post(b.builder, '/builder/edit', fields);
  assert.equal(edited.status, 200, edited.text);
  assert.match(edited.text, /Phone number \(phone number\)/);
  assert.match(
    part(edited, 'id="diff-heading"'),
    /data-safety="safe"><span class="state">safe<\/span>\s*add field &quot;phone_number&quot; to &quot;complaint&quot;/,
  );
  const upgraded = await post(b.builder, '/builder/deploy', formFields(edited.text, '/builder/deploy'));
  assert.equal(upgraded.location, '/builder/apps/complaint-tracking?deployed=2', upgraded.text);
  const kept = await b.api('GET', '/complaint-tracking/records/complaint', citizen.token);
  assert.equal((kept.body.records as unknown[]).length, 1, 'the old record is still there');

  // Removing the ward field: the diff needs confirmation, with the one record it touches.
  const again = await get(b.builder, '/builder/apps/complaint-tracking/edit');
  const removing = await post(b.builder, '/builder/edit', [...formFields(again.text, '/builder/edit'), ['entity_0_field_3_remove', 'on']]);
  assert.match(
    part(removing, 'id="diff-heading"'),
    /needs confirmation<\/span>\s*remove field &quot;ward&quot;[^<]*\(records touched: 1\)/,
  );
  assert.match(removing.text, /I understand the changes marked/);
  const unconfirmed = formFields(removing.text, '/builder/deploy');
  const refused = await post(b.builder, '/builder/deploy', unconfirmed);
  assert.equal(refused.status, 409);
  assert.match(refused.text, /Some changes need your confirmation/);
  const confirmed = await post(b.builder, '/builder/deploy', [...unconfirmed, ['confirm', 'on']]);
  assert.equal(confirmed.location, '/builder/apps/complaint-tracking?deployed=3', confirmed.text);
  const without = await b.api('GET', '/complaint-tracking/records/complaint', citizen.token);
  assert.equal((without.body.records as { fields: Record<string, unknown> }[])[0]?.fields.ward, undefined);

  // Restoring version 2 puts the ward back from the archive.
  const manage = await get(b.builder, '/builder/apps/complaint-tracking');
  assert.match(manage.text, /Restore this version 2/);
  const restored = await post(b.builder, '/builder/apps/complaint-tracking/restore', [['version', '2']]);
  assert.equal(restored.status, 303, restored.text);
  assert.equal(restored.location, '/builder/apps/complaint-tracking?restored=4');
  const back = await b.api('GET', '/complaint-tracking/records/complaint', citizen.token);
  assert.equal((back.body.records as { fields: Record<string, unknown> }[])[0]?.fields.ward, 12);
});

test('the owner adds a co-builder and gives a member a role; refusals are shown on the page', async () => {
  const colleague = await b.verifiedAccount('web-colleague');
  // An unlicensed colleague cannot co-build: the refusal is shown on the page.
  const unlicensed = await post(b.builder, '/builder/apps/complaint-tracking/builders', [['builder_user_id', colleague.userId]]);
  assert.equal(unlicensed.status, 403);
  assert.match(part(unlicensed, 'role="alert"'), /You need a builder licence for that/);
  // The licence administrator assigns one in the console.
  const console = await get(b.admin, '/builder/console');
  assert.equal(console.status, 200);
  assert.match(part(console, 'id="pool-heading"'), /<th scope="row">Government<\/th><td>600<\/td><td>1<\/td><td>599<\/td>/);
  const assigned = await post(b.admin, '/builder/console/assign', [
    ['user_id', colleague.userId],
    ['sector', 'academia'],
    ['note', 'co-builds complaints'],
  ]);
  assert.equal(assigned.location, '/builder/console?done=assigned', assigned.text);
  const trail = await get(b.admin, '/builder/console?done=assigned');
  assert.match(trail.text, /Licence assigned\./);
  assert.match(part(trail, 'id="audit-heading"'), new RegExp(`licence assigned \\(Licence 2\\)</td><td><bdi>${colleague.userId}</bdi>`));
  const added = await post(b.builder, '/builder/apps/complaint-tracking/builders', [['builder_user_id', colleague.userId]]);
  assert.equal(added.location, '/builder/apps/complaint-tracking?done=builderAdded', added.text);
  const staff = await b.m.register('web-staff');
  const given = await post(b.builder, '/builder/apps/complaint-tracking/members/role', [
    ['member_user_id', staff.userId],
    ['role', 'staff'],
  ]);
  assert.equal(given.location, '/builder/apps/complaint-tracking?done=roleGiven', given.text);
  const page = await get(b.builder, '/builder/apps/complaint-tracking?done=roleGiven');
  assert.match(page.text, /Role given\./);
  assert.match(page.text, new RegExp(`<bdi>${staff.userId}</bdi></th>`));
  assert.match(page.text, /Take away Municipal staff/);

  const unknown = await post(b.builder, '/builder/apps/complaint-tracking/members/role', [
    ['member_user_id', staff.userId],
    ['role', 'mayor'],
  ]);
  assert.equal(unknown.status, 400);
  assert.match(unknown.text, /role="alert"[^>]*>The app has no such role\./);

  // The co-builder sees the app among theirs; a stranger is told they are not a builder.
  assert.match((await get(colleague, '/builder')).text, /\(complaint-tracking\)/);
  const stranger = await b.m.register('web-stranger');
  const refused = await get(stranger, '/builder/apps/complaint-tracking');
  assert.equal(refused.status, 403);
});

test('a form posted from another site is refused, and an exported app downloads as JSON', async () => {
  const hostile = await post(b.builder, '/builder/apps/complaint-tracking/restore', [['version', '1']], 'http://evil.example');
  assert.equal(hostile.status, 403);
  const exported = await get(b.builder, '/builder/apps/complaint-tracking/export');
  assert.equal(exported.status, 200);
  const document = JSON.parse(exported.text) as { app: string; version: number; spec: { slug: string } };
  assert.equal(document.app, 'complaint-tracking');
  assert.equal(document.spec.slug, 'complaint-tracking');
});
