import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type AppSpec, diffSpecs, OfflinePlanner, parseSpec } from '../../src/builder/index.ts';
import { value } from './builder-subnet.ts';
import { type Engine, example, openEngine } from './engine-fixture.ts';

const planner = new OfflinePlanner();
const complaints = parseSpec(example('complaint-tracking'));
const withNotes = planner.planNow({ description: 'complaints with a photo and notes; citizens file them and staff resolve them' }).spec;
const refine = (current: AppSpec, description: string) => planner.planNow({ description, current });
const complaint = (spec: AppSpec) => spec.entities.find((e) => e.name === 'complaint') as AppSpec['entities'][number];
const grants = (spec: AppSpec, role: string) =>
  spec.permissions
    .filter((p) => p.role === role && p.entity === 'complaint')
    .flatMap((p) => p.actions.map((a) => `${a}:${p.scope ?? 'own'}`));

let e: Engine;
before(async () => {
  e = await openEngine();
});
after(() => e.close());

for (const sentence of ['add a phone number', 'فون نمبر بھی شامل کریں', 'phone number bhi shamil karein']) {
  test(`"${sentence}" adds an optional phone field to the main entity and its form, a safe change`, () => {
    const { spec, notUnderstood } = refine(complaints, sentence);
    assert.deepEqual(notUnderstood, []);
    assert.deepEqual(
      complaint(spec).fields.find((f) => f.name === 'phone'),
      { name: 'phone', label: { en: 'Phone number', ur: 'فون نمبر' }, type: 'phone' },
    );
    assert.ok(spec.views?.find((v) => v.kind === 'form' && v.entity === 'complaint')?.fields?.includes('phone'));
    const changes = diffSpecs(complaints, spec);
    assert.deepEqual(
      changes.map((c) => c.en),
      ['safe: add field "phone" to "complaint"', 'safe: change views'],
    );
  });
}

for (const sentence of ['staff can also delete', 'عملہ حذف بھی کر سکتا ہے', 'staff bhi delete kar sakte hain']) {
  test(`"${sentence}" lets staff delete every complaint and changes nothing else`, () => {
    const { spec, notUnderstood } = refine(complaints, sentence);
    assert.deepEqual(notUnderstood, []);
    assert.deepEqual(grants(spec, 'staff'), ['read:all', 'update:all', 'delete:all']);
    assert.deepEqual(grants(spec, 'citizen'), grants(complaints, 'citizen'));
    assert.deepEqual(
      diffSpecs(complaints, spec).map((c) => c.en),
      ['safe: change permissions'],
    );
  });
}

for (const sentence of ['remove the notes field', 'نوٹس کا خانہ ہٹا دیں', 'notes ka khana hata dein']) {
  test(`"${sentence}" removes the field from the entity and every view, a change that needs confirmation`, () => {
    assert.ok(complaint(withNotes).fields.some((f) => f.name === 'notes'));
    const { spec, notUnderstood } = refine(withNotes, sentence);
    assert.deepEqual(notUnderstood, []);
    assert.ok(!complaint(spec).fields.some((f) => f.name === 'notes'));
    for (const view of spec.views ?? []) assert.ok(!JSON.stringify(view).includes('"notes"'), JSON.stringify(view));
    const changes = diffSpecs(withNotes, spec);
    assert.equal(changes[0]?.safety, 'confirm');
    assert.equal(changes[0]?.kind, 'remove_field');
    assert.equal(changes[0]?.field, 'notes');
  });
}

test('one sentence may make several changes, and a role that files takes a new step on its own records', () => {
  const { spec, notUnderstood } = refine(complaints, 'add an email and remove the photo, make the ward required. Citizens can cancel');
  assert.deepEqual(notUnderstood, []);
  const fields = complaint(spec).fields;
  assert.ok(fields.some((f) => f.name === 'email'));
  assert.ok(!fields.some((f) => f.name === 'photo'));
  assert.equal(fields.find((f) => f.name === 'ward')?.required, true);
  const cancel = complaint(spec).workflow?.transitions.find((t) => t.name === 'cancel');
  assert.deepEqual(cancel?.roles, ['creator']);
  assert.ok(fields.find((f) => f.name === 'status')?.choices?.some((c) => c.value === 'cancelled'));
});

test('a sentence it cannot use changes nothing and is named; the workflow’s own field is not removed', () => {
  const nothing = refine(complaints, 'paint it blue');
  assert.deepEqual(nothing.spec, complaints);
  assert.deepEqual(nothing.notUnderstood, ['paint', 'blue']);
  const status = refine(complaints, 'remove the status field');
  assert.deepEqual(status.spec, complaints);
  assert.match(status.notUnderstood[0] ?? '', /"status" is the field of complaint's workflow/);
  const denied = refine(complaints, 'staff cannot update');
  assert.deepEqual(grants(denied.spec, 'staff'), ['read:all']);
});

test('a refined plan deploys on the engine as an upgrade of the planned app', async () => {
  const builder = await e.builder('refiner');
  const first = planner.planNow({ description: 'ایک کلینک کے لیے اپائنٹمنٹ بکنگ' }).spec;
  value(await e.deploy(first, builder));
  const second = refine(first, 'ای میل بھی شامل کریں، اور عملہ حذف بھی کر سکتا ہے').spec;
  const upgraded = value<{ version: number; changes: { en: string }[] }>(await e.deploy(second, builder));
  assert.equal(upgraded.version, 2);
  assert.deepEqual(
    upgraded.changes.map((c) => c.en),
    ['safe: add field "email" to "appointment"', 'safe: change permissions', 'safe: change views'],
  );
});

for (const [sentence, role] of [
  ['inspectors can see all complaints', 'inspector'],
  ['add an auditor role', 'auditor'],
  ['آڈیٹر کا کردار شامل کریں', 'auditor'],
] as const) {
  test(`"${sentence}" adds the role "${role}", allowed to read every complaint and nothing more`, () => {
    const { spec, notUnderstood } = refine(complaints, sentence);
    assert.deepEqual(notUnderstood, []);
    assert.ok(spec.roles.some((r) => r.name === role && r.holders === 'assigned'));
    assert.deepEqual(grants(spec, role), ['read:all']);
    assert.deepEqual(
      diffSpecs(complaints, spec).map((c) => c.en),
      [`safe: add role "${role}"`, 'safe: change permissions'],
    );
  });
}
