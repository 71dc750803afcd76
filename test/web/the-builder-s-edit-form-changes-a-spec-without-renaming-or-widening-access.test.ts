/**
 * The builder's editable form, without a server: the form made from a spec and sent back
 * unchanged gives the same spec; a new field is named from its English label; choices are
 * read one a line; the permission grid grants by role, record kind and action; removing a
 * field that a conditional permission names removes that permission (never a wider grant),
 * and removing a role takes it out of the steps and messages that named it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { type AppSpec, parseSpec, specProblems } from '../../src/builder/index.ts';
import { specFromForm } from '../../src/web/builder/spec-form/read.ts';
import { specForm } from '../../src/web/builder/spec-form/render.ts';
import type { FormBody } from '../../src/web/shell/index.ts';
import { formFields } from './builder-form-fields.ts';

const example = (name: string): AppSpec =>
  parseSpec(JSON.parse(readFileSync(new URL(`../../examples/apps/${name}.json`, import.meta.url), 'utf8')));

/** The form of `spec` as a browser would send it, with `changes` made (a value set, or a box ticked with 'on'). */
function sent(spec: AppSpec, changes: Record<string, string> = {}): FormBody {
  const fields = formFields(specForm(spec, 'en', '/builder/edit').value, '/builder/edit').filter(([name]) => !(name in changes));
  const body: FormBody = { fields: {}, all: {}, files: {} };
  for (const [name, value] of [...fields, ...Object.entries(changes)]) {
    body.fields[name] = value;
    body.all[name] = [...(body.all[name] ?? []), value];
  }
  return body;
}

/** Permissions in a stable order, for comparing what is granted whatever order the form writes. */
const granted = (spec: AppSpec) => spec.permissions.map((p) => JSON.stringify({ ...p, scope: p.scope ?? 'own' })).sort();

test('every example sent back unchanged is the same app', () => {
  for (const name of [
    'complaint-tracking',
    'course-registration',
    'leave-requests',
    'passport-appointments',
    'school-attendance',
    'startup-inventory',
  ]) {
    const spec = example(name);
    const back = specFromForm(spec, sent(spec));
    assert.deepEqual(specProblems(back), [], name);
    assert.deepEqual(granted(back), granted(spec), `${name}: the same permissions`);
    assert.deepEqual({ ...back, permissions: [] }, { ...spec, permissions: [] }, `${name}: the same spec`);
  }
});

test('a new field is named from its English label, and choices are read one a line', () => {
  const spec = example('complaint-tracking');
  const blank = spec.entities[0]?.fields.length ?? 0;
  const back = specFromForm(
    spec,
    sent(spec, {
      [`entity_0_field_${blank}_en`]: 'Priority level',
      [`entity_0_field_${blank}_ur`]: 'ترجیح',
      [`entity_0_field_${blank}_type`]: 'choice',
      [`entity_0_field_${blank}_required`]: 'on',
      [`entity_0_field_${blank}_choices`]: 'Low | کم\nhigh_now | High | زیادہ\n\n',
    }),
  );
  const field = back.entities[0]?.fields.at(-1);
  assert.deepEqual(field, {
    name: 'priority_level',
    label: { en: 'Priority level', ur: 'ترجیح' },
    type: 'choice',
    required: true,
    choices: [
      { value: 'low', label: { en: 'Low', ur: 'کم' } },
      { value: 'high_now', label: { en: 'High', ur: 'زیادہ' } },
    ],
  });
  // The report form offers the new field; the list is unchanged.
  assert.ok(back.views?.find((view) => view.name === 'report')?.fields?.includes('priority_level'));
  assert.deepEqual(specProblems(back), []);
});

test('the permission grid grants by role, record kind and action', () => {
  const spec = example('course-registration');
  // Row 0 is the student role, record kind 1 is registration.
  const back = specFromForm(spec, sent(spec, { grant_0_1_update: 'own', grant_owner_0_read: 'all' }));
  assert.ok(
    back.permissions.some((p) => p.role === 'student' && p.entity === 'registration' && p.scope === 'own' && p.actions.includes('update')),
  );
  assert.ok(back.permissions.some((p) => p.role === 'owner' && p.entity === 'course' && p.scope === 'all' && p.actions.includes('read')));
  assert.deepEqual(specProblems(back), []);
});

test('removing a field a condition names removes that permission instead of widening it', () => {
  const spec = example('course-registration');
  // Registration's status (field 2) is the workflow's field and a student's delete condition.
  const back = specFromForm(spec, sent(spec, { entity_1_field_2_remove: 'on' }));
  const registration = back.entities.find((entity) => entity.name === 'registration');
  assert.equal(
    registration?.fields.some((field) => field.name === 'status'),
    false,
  );
  assert.equal(registration?.workflow, undefined, 'the workflow went with its field');
  assert.equal(
    back.permissions.some((p) => p.role === 'student' && p.actions.includes('delete')),
    false,
    'no student may delete any registration now',
  );
  assert.deepEqual(specProblems(back), []);
});

test('removing a role takes it out of the steps and messages that named it', () => {
  const spec = example('complaint-tracking');
  // Role 1 is staff: it takes every step and hears of every new complaint.
  const back = specFromForm(spec, sent(spec, { role_1_remove: 'on' }));
  assert.deepEqual(
    back.roles.map((role) => role.name),
    ['citizen'],
  );
  assert.equal(
    back.permissions.some((p) => p.role === 'staff'),
    false,
  );
  for (const transition of back.entities[0]?.workflow?.transitions ?? []) assert.equal(transition.roles.includes('staff'), false);
  assert.equal(
    back.notifications?.some((n) => n.to.some((r) => r.role === 'staff')),
    false,
  );
  // A step nobody may take is a problem the API names (shown beside the form), not a silent grant.
  assert.ok(specProblems(back).some((problem) => problem.path.includes('/workflow/transitions/0/roles')));
});
