/**
 * The compatibility check reaches past the installed version: a field that takes the name of
 * one an earlier upgrade archived, with a definition its archived values do not fit, needs
 * confirmation, with the versions and the number of values named — and once confirmed it is
 * not asked again for every later upgrade.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { AppSpec, SpecChange } from '../../src/builder/index.ts';
import { refusal, value } from './builder-subnet.ts';
import { type Engine, openEngine } from './engine-fixture.ts';

let e: Engine;
before(async () => {
  e = await openEngine();
});
after(() => e.close());

const label = (text: string) => ({ en: text, ur: text });

function clinic(fields: AppSpec['entities'][number]['fields'], extra: Partial<AppSpec> = {}): AppSpec {
  return {
    specVersion: 1,
    slug: 'clinic-register',
    name: label('Clinic register'),
    roles: [{ name: 'nurse', label: label('nurse') }],
    entities: [{ name: 'patient', label: label('patient'), fields }],
    permissions: [{ role: 'owner', entity: 'patient', actions: ['create', 'read', 'update', 'delete'], scope: 'all' }],
    ...extra,
  };
}

const name = { name: 'name', label: label('name'), type: 'text' as const, required: true };

test('a field reusing an archived name with a definition its old values do not fit needs confirmation, once', async () => {
  const owner = await e.builder('clinic-owner');
  value(await e.deploy(clinic([name, { name: 'ward', label: label('ward'), type: 'text' }]), owner));
  for (const ward of ['east', 'west', 'north'])
    value(await e.create('clinic-register', 'patient', { name: `patient in ${ward}`, ward }, owner));

  // Version 2 removes the ward: confirmed, its three values go to the archive.
  const removed = refusal(await e.deploy(clinic([name]), owner));
  assert.equal(removed.code, 'CONFIRMATION_NEEDED');
  value(await e.deploy(clinic([name]), owner, true));

  // Version 3 brings back "ward" as a number: the archived words would never fit it.
  const numbered = clinic([name, { name: 'ward', label: label('ward'), type: 'number' }]);
  const diff = e.ask<{ changes: SpecChange[] }>('app_diff', { spec: numbered }, owner);
  const conflict = diff.changes.find((change) => change.kind === 'reuse_archived_name');
  assert.ok(conflict, JSON.stringify(diff.changes));
  assert.deepEqual([conflict.safety, conflict.entity, conflict.field, conflict.records], ['confirm', 'patient', 'ward', 3]);
  assert.match(conflict.en, /archived by version 2; 3 archived value\(s\) do not fit/);
  assert.match(conflict.ur, /ورژن 2/);
  assert.equal(refusal(await e.deploy(numbered, owner)).code, 'CONFIRMATION_NEEDED');

  // Bringing it back as text is safe: the archive fits, and restoring version 1 would refill it.
  const asText = clinic([name, { name: 'ward', label: label('ward'), type: 'text' }]);
  const textDiff = e.ask<{ changes: SpecChange[] }>('app_diff', { spec: asText }, owner);
  assert.deepEqual(
    textDiff.changes.map((change) => change.safety),
    textDiff.changes.map(() => 'safe'),
  );

  // Confirmed once, the number field is not questioned again by an unrelated later upgrade.
  value(await e.deploy(numbered, owner, true));
  const later = clinic([name, { name: 'ward', label: label('ward'), type: 'number' }], { description: label('wards by number') });
  const laterDiff = e.ask<{ changes: SpecChange[] }>('app_diff', { spec: later }, owner);
  assert.deepEqual(
    laterDiff.changes.map((change) => change.kind),
    ['change_labels'],
  );
  value(await e.deploy(later, owner));
});
