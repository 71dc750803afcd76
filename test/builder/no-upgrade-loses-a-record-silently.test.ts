/**
 * The upgrade property: random specs, random data and random sequences of upgrades. After
 * every step, every value ever written is either in its record (renamed or converted) or in
 * the archive; a change that needs confirmation changes nothing until it is confirmed; and
 * restoring the first version brings back every record it had.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { AppSpec, EntitySpec, FieldSpec } from '../../src/builder/index.ts';
import { refusal, value } from './builder-subnet.ts';
import { type Engine, openEngine } from './engine-fixture.ts';

let e: Engine;
let owner: string;
before(async () => {
  e = await openEngine();
});
after(() => e.close());

function random(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) % n) as number;
  };
}

const label = (text: string) => ({ en: text, ur: text });
const TYPES = ['text', 'number', 'choice', 'yes_no', 'date', 'long_text', 'money'] as const;
const CHOICES = ['a', 'b', 'c', 'd'];

function field(name: string, type: (typeof TYPES)[number], pick: (n: number) => number): FieldSpec {
  const made: FieldSpec = { name, label: label(name), type };
  if (type === 'choice') made.choices = CHOICES.slice(0, 2 + pick(3)).map((value) => ({ value, label: label(value) }));
  return made;
}

function withPermissions(spec: AppSpec): AppSpec {
  spec.permissions = spec.entities.map((entity) => ({
    role: 'owner',
    entity: entity.name,
    actions: ['create', 'read', 'update', 'delete'],
    scope: 'all',
  }));
  return spec;
}

let names = 0;
const fresh = (prefix: string) => `${prefix}${++names}`;

function randomSpec(slug: string, pick: (n: number) => number): AppSpec {
  const entities: EntitySpec[] = [];
  for (let i = 0, n = 1 + pick(3); i < n; i++) {
    const fields: FieldSpec[] = [];
    for (let j = 0, m = 1 + pick(4); j < m; j++) fields.push(field(fresh('f'), TYPES[pick(TYPES.length)] as never, pick));
    entities.push({ name: fresh('e'), label: label('entity'), fields });
  }
  return withPermissions({
    specVersion: 1,
    slug,
    name: label(slug),
    roles: [{ name: 'clerk', label: label('clerk') }],
    entities,
    permissions: [],
  });
}

/** One random change; the spec is copied, `formerly` marks a rename. */
function upgrade(old: AppSpec, pick: (n: number) => number): AppSpec {
  const spec = structuredClone(old);
  for (const entity of spec.entities) {
    delete entity.formerly;
    for (const f of entity.fields) delete f.formerly;
  }
  const entity = spec.entities[pick(spec.entities.length)] as EntitySpec;
  const target = entity.fields[pick(entity.fields.length)] as FieldSpec;
  switch (pick(9)) {
    case 0:
      spec.entities.push({ name: fresh('e'), label: label('new'), fields: [field(fresh('f'), 'text', pick)] });
      break;
    case 1:
      if (spec.entities.length > 1) spec.entities.splice(spec.entities.indexOf(entity), 1);
      break;
    case 2:
      entity.formerly = entity.name;
      entity.name = fresh('e');
      break;
    case 3:
      entity.fields.push({ ...field(fresh('f'), TYPES[pick(TYPES.length)] as never, pick), ...(pick(2) ? { required: true } : {}) });
      break;
    case 4:
      if (entity.fields.length > 1) entity.fields.splice(entity.fields.indexOf(target), 1);
      break;
    case 5:
      target.formerly = target.name;
      target.name = fresh('f');
      break;
    case 6: {
      const type = TYPES[pick(TYPES.length)] as (typeof TYPES)[number];
      Object.assign(target, field(target.name, type, pick));
      if (type !== 'choice') delete target.choices;
      break;
    }
    case 7:
      if (target.choices && target.choices.length > 1) target.choices.pop();
      break;
    default:
      if (target.type === 'number' || target.type === 'money') target.max = 50;
  }
  return withPermissions(spec);
}

let tokens = 0;
function randomValue(f: FieldSpec, pick: (n: number) => number): unknown {
  tokens++;
  switch (f.type) {
    case 'number':
      return tokens * 7;
    case 'money':
      return tokens * 100 + 25;
    case 'choice':
      return (f.choices ?? [])[pick(f.choices?.length ?? 1)]?.value;
    case 'yes_no':
      return pick(2) === 1;
    case 'date':
      return `2026-01-${String(1 + (tokens % 28)).padStart(2, '0')}`;
    default:
      return `word${tokens}`;
  }
}

interface Written {
  lineage: string[];
  id: string;
  values: string[];
}

function holdings(app: string, spec: AppSpec): Map<string, string[]> {
  const held = new Map<string, string[]>();
  const add = (entity: string, id: string | number, values: unknown[]) => {
    const key = `${entity}/${id}`;
    held.set(key, [...(held.get(key) ?? []), ...values.map(String)]);
  };
  for (const entity of spec.entities) {
    let page = e.list(app, entity.name, { limit: 200 }, owner);
    for (;;) {
      for (const record of page.records) add(entity.name, record.id, Object.values(record.fields));
      if (!page.next) break;
      page = e.list(app, entity.name, { limit: 200, after: page.next }, owner);
    }
  }
  for (const item of e.ask<{ entity: string; id: number; fields: Record<string, unknown> }[]>('archive_list', { app }, owner)) {
    add(item.entity, item.id, Object.values(item.fields));
  }
  return held;
}

test('random specs, data and upgrade sequences never lose a value silently', async () => {
  for (let run = 0; run < 12; run++) {
    const seed = 1000 + run;
    const pick = random(seed);
    const app = `prop-${run}`;
    owner = await e.builder(`owner-${run}`);
    let spec = randomSpec(app, pick);
    value(await e.deploy(spec, owner));
    const first = structuredClone(spec);
    const written: Written[] = [];
    /** Every name each current entity has had. */
    const lineage = new Map(spec.entities.map((entity) => [entity.name, [entity.name]]));
    for (let step = 0; step < 8; step++) {
      for (let k = 0, n = 1 + pick(4); k < n; k++) {
        const entity = spec.entities[pick(spec.entities.length)] as EntitySpec;
        const fields: Record<string, unknown> = {};
        for (const f of entity.fields) if (f.required || pick(4) > 0) fields[f.name] = randomValue(f, pick);
        const made = e.record(await e.create(app, entity.name, fields, owner));
        written.push({ lineage: lineage.get(entity.name) as string[], id: made.id, values: Object.values(made.fields).map(String) });
      }
      const next = upgrade(spec, pick);
      const before = e.ask<unknown[]>('app_versions', { app }, owner).length;
      let result = await e.deploy(next, owner);
      if (!result.ok && result.error.code === 'CONFIRMATION_NEEDED') {
        assert.equal(e.ask<unknown[]>('app_versions', { app }, owner).length, before, `seed ${seed}: an unconfirmed change applied`);
        result = await e.deploy(next, owner, true);
      }
      if (!result.ok && result.error.code === 'UNCHANGED') continue;
      value(result);
      for (const entity of next.entities) {
        const from = entity.formerly ?? entity.name;
        // One array per lineage, shared by every record written into it.
        const names = lineage.get(from) ?? [entity.name];
        if (!names.includes(entity.name)) names.push(entity.name);
        lineage.set(entity.name, names);
      }
      spec = next;
      const held = holdings(app, spec);
      for (const record of written) {
        const found = record.lineage.flatMap((name) => held.get(`${name}/${record.id}`) ?? []);
        for (const v of record.values) {
          assert.ok(
            found.includes(v),
            `seed ${seed} step ${step}: value ${v} of record ${record.lineage.join('>')}/${record.id} is neither live nor archived`,
          );
        }
      }
    }
    const firstVersion = await e.run('app_restore', { app, version: 1, confirm: true }, owner);
    value(firstVersion);
    for (const entity of first.entities) {
      const live = new Set(e.list(app, entity.name, { limit: 200 }, owner).records.map((r) => r.id));
      for (const record of written.filter((w) => w.lineage[0] === entity.name)) {
        assert.ok(live.has(record.id), `seed ${seed}: restoring version 1 did not bring back ${entity.name}/${record.id}`);
      }
    }
  }
});

test('a destructive upgrade without confirmation is refused with its consequences in English and Urdu', async () => {
  owner = await e.builder('refusal-owner');
  const spec = randomSpec('prop-refusal', random(7));
  const entity = spec.entities[0] as EntitySpec;
  entity.fields.push({ name: 'kept', label: label('kept'), type: 'text' });
  value(await e.deploy(spec, owner));
  value(await e.create(spec.slug, entity.name, { kept: 'precious' }, owner));
  const next = structuredClone(spec);
  (next.entities[0] as EntitySpec).fields.pop();
  const result = await e.deploy(next, owner);
  const refused = refusal(result);
  assert.equal(refused.code, 'CONFIRMATION_NEEDED');
  assert.match(refused.message, /remove field "kept".*1 record/);
  const details = (result as unknown as { error: { details: { changes: { safety: string; en: string; ur: string; records: number }[] } } })
    .error.details;
  const removal = details.changes.find((change) => change.safety === 'confirm');
  assert.equal(removal?.records, 1);
  assert.match(removal?.ur ?? '', /تصدیق: .*"kept".*1 ریکارڈ/);
  assert.equal(e.list(spec.slug, entity.name, {}, owner).records[0]?.fields.kept, 'precious', 'nothing changed');
});
