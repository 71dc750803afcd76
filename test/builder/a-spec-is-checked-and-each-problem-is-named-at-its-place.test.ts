import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseSpec, SpecInvalidError, specProblems } from '../../src/builder/index.ts';

const example = () => JSON.parse(readFileSync(new URL('../../examples/apps/passport-appointments.json', import.meta.url), 'utf8'));

test('the passport appointments example is a valid spec', () => {
  assert.deepEqual(specProblems(example()), []);
  assert.equal(parseSpec(example()).slug, 'passport-appointments');
});

test('a shape problem names its place', () => {
  const spec = example();
  spec.entities[1].fields[0].type = 'colour';
  const problems = specProblems(spec);
  assert.ok(
    problems.some((p) => p.path === '/entities/1/fields/0/type'),
    JSON.stringify(problems),
  );
});

test('every cross-reference problem is named at its place', () => {
  const spec = example();
  spec.entities[1].fields[5].default = 'free';
  spec.entities[1].workflow.transitions[0].to = 'approved';
  spec.entities[1].workflow.transitions[1].roles = ['clerk'];
  spec.permissions[0].entity = 'offices';
  spec.views[0].columns[1] = 'date';
  spec.notifications[0].message.en = 'From {name}';
  spec.entities[1].fields.push({ ...spec.entities[1].fields[0] });
  const problems = specProblems(spec);
  const at = (path: string, words: RegExp) =>
    assert.ok(
      problems.some((p) => p.path === path && words.test(p.problem)),
      `${path} ${words}: ${JSON.stringify(problems)}`,
    );
  at('/entities/1/fields/5/default', /expected an amount in paisa/);
  at('/entities/1/workflow/transitions/0/to', /"approved" is not a choice of "status"/);
  at('/entities/1/workflow/transitions/1/roles/0', /no role "clerk"/);
  at('/permissions/0/entity', /no entity "offices"/);
  at('/views/0/columns/1', /no field "date"/);
  at('/notifications/0/message/en', /\{name\} is not a field/);
  at('/entities/1/fields/8/name', /named twice/);
  assert.equal(problems.length, 7, JSON.stringify(problems));
  assert.throws(() => parseSpec(spec), SpecInvalidError);
});

test('a built-in role cannot be declared', () => {
  const spec = example();
  spec.roles.push({ name: 'owner', label: { en: 'Owner', ur: 'مالک' } });
  assert.deepEqual(specProblems(spec), [
    { path: '/roles/2/name', problem: `"owner" is built in (the app's owners; a record's creator); choose another name` },
  ]);
});
