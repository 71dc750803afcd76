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
import { formFields } from './builder-form-fields.ts';

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
  assert.match(home.text, /You hold a builder licence \(Government\)/);
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
  const consolePage = await get(b.admin, '/builder/console');
  assert.equal(consolePage.status, 200);
  assert.match(part(consolePage, 'id="pool-heading"'), /<th scope="row">Government<\/th><td>600<\/td><td>1<\/td><td>599<\/td>/);
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
  // Nor may they see licences: the console says only administrators do.
  const notAdmin = await get(stranger, '/builder/console');
  assert.equal(notAdmin.status, 403);
  assert.match(part(notAdmin, 'role="alert"'), /Only licence administrators see licences/);

  // The administrator revokes the colleague's licence with a reason; the trail and the colleague's page say so.
  const licences = await get(b.admin, '/builder/console');
  const row = new RegExp(`<bdi>${colleague.userId}</bdi>[^]*?name="licence" value="(\\d+)"`).exec(licences.text);
  assert.ok(row?.[1], 'the colleague’s licence has a revoke form');
  const number = row[1];
  const revoked = await post(b.admin, '/builder/console/revoke', [
    ['licence', number],
    [`reason_${number}`, 'moved to another ministry'],
  ]);
  assert.equal(revoked.location, '/builder/console?done=revoked', revoked.text);
  const after = await get(b.admin, '/builder/console?done=revoked');
  assert.match(part(after, 'id="licences-heading"'), /revoked: moved to another ministry/);
  assert.match(part(after, 'id="audit-heading"'), new RegExp(`licence revoked \\(Licence ${number}\\)`));
  assert.match((await get(colleague, '/builder')).text, /Your builder licence was revoked: moved to another ministry/);
});

test('a form posted from another site is refused, and an exported app downloads as JSON', async () => {
  const hostile = await post(b.builder, '/builder/apps/complaint-tracking/restore', [['version', '1']], 'http://evil.example');
  assert.equal(hostile.status, 403);
  // Imported again, the app is recognised at its address: deploying would change it, and the page says so.
  const again = await post(b.builder, '/builder/import', [['json', example]]);
  assert.match(again.text, /One of your apps already has this address/);
  // Someone else's import of it is told the address is taken (and is offered no deploy).
  const other = await post(await b.verifiedAccount('web-other'), '/builder/import', [['json', example]]);
  assert.match(part(other, 'role="alert"'), /Another app already has this address/);
  assert.doesNotMatch(other.text, /action="\/builder\/deploy"/);
  const exported = await get(b.builder, '/builder/apps/complaint-tracking/export');
  assert.equal(exported.status, 200);
  const document = JSON.parse(exported.text) as { app: string; version: number; spec: { slug: string } };
  assert.equal(document.app, 'complaint-tracking');
  assert.equal(document.spec.slug, 'complaint-tracking');
});

test('bad input gets a page that says what is wrong, never a 500', async () => {
  const cases: [string, Page][] = [
    ['import of text that is not JSON', await post(b.builder, '/builder/import', [['json', '{not json']])],
    ['import of JSON that is no spec', await post(b.builder, '/builder/import', [['json', '{"spec": {"slug": 7}}']])],
    ['an edit without its draft', await post(b.builder, '/builder/edit', [['name_en', 'x']])],
    ['a deploy of a draft that is not JSON', await post(b.builder, '/builder/deploy', [['draft', '[1,']])],
    ['an empty description', await post(b.builder, '/builder/describe', [['description', '  ']])],
    ['a restore of no version', await post(b.builder, '/builder/apps/complaint-tracking/restore', [['version', 'abc']])],
    ['a revoke of no licence', await post(b.admin, '/builder/console/revoke', [['licence', 'x']])],
    ['an app that does not exist', await get(b.builder, '/builder/apps/no-such-app')],
    ['an address no app can have', await get(b.builder, '/builder/apps/NO%20SUCH')],
  ];
  for (const [what, answer] of cases) {
    assert.ok(answer.status >= 400 && answer.status < 500, `${what}: ${answer.status}`);
    assert.match(answer.text, /^<!doctype html>/, `${what}: a page`);
    assert.match(answer.text, /role="alert"/, `${what}: says what is wrong`);
  }
  // A spec with problems is shown with each problem at its place, and no deploy button.
  const broken = JSON.parse(example) as { permissions: { role: string }[] };
  broken.permissions[0] = { ...broken.permissions[0], role: 'mayor' } as { role: string };
  const shown = await post(b.builder, '/builder/import', [['json', JSON.stringify(broken)]]);
  assert.equal(shown.status, 400);
  assert.match(part(shown, 'id="problems"'), /\/permissions\/0\/role<\/code>: <span dir="ltr" lang="en">no role &quot;mayor&quot;/);
  assert.doesNotMatch(shown.text, /action="\/builder\/deploy"/);
});
