/**
 * Planner quality: every description in test/fixtures/planner/descriptions.json (English,
 * Urdu and Roman Urdu; short and long; some ambiguous) is planned offline, scored per element
 * against what a person expects, and deployed on the real engine. At least 90% must deploy as
 * expected without an edit; every other one must name what it did not understand.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { CommandResult } from '../../src/subnet/index.ts';
import { type Engine, openEngine } from './engine-fixture.ts';
import { descriptions, type Scored, score, scoreTable } from './plan-quality.ts';

let e: Engine;
before(async () => {
  e = await openEngine();
});
after(() => e.close());

test('at least 90% of the descriptions deploy as expected without an edit, and the rest name what was not understood', async () => {
  const entries = descriptions();
  assert.ok(entries.length >= 40, 'the fixture holds at least 40 descriptions');
  for (const language of ['en', 'ur', 'roman'] as const) assert.ok(entries.some((entry) => entry.language === language));
  const rows: (Scored & { deployed: boolean; refusal?: string })[] = [];
  let builder = '';
  for (const [i, entry] of entries.entries()) {
    const scored = score(entry);
    let deployed = false;
    let refusal: string | undefined;
    if (scored.spec) {
      // A licence holds five apps; and two descriptions may well propose the same slug.
      if (i % 5 === 0) builder = await e.builder(`planner-${i}`);
      const spec = { ...scored.spec, slug: `${scored.spec.slug.slice(0, 34)}-${i}` };
      const result: CommandResult = await e.deploy(spec, builder);
      deployed = result.ok;
      if (!result.ok) refusal = `${result.error.code}: ${result.error.message}`;
    }
    rows.push({ ...scored, deployed, ...(refusal ? { refusal } : {}) });
  }
  process.stdout.write(`\n${scoreTable(rows)}\n`);
  for (const row of rows) {
    assert.ok(!row.spec || row.deployed, `"${row.entry.description}" planned a spec the engine refused: ${row.refusal}`);
  }
  const asExpected = rows.filter((row) => row.deployed && row.asExpected);
  assert.ok(
    asExpected.length >= Math.ceil(0.9 * rows.length),
    `${asExpected.length} of ${rows.length} deploy as expected; at least 90% must`,
  );
  for (const row of rows.filter((r) => !(r.deployed && r.asExpected))) {
    assert.ok(
      row.notUnderstood.length > 0,
      `"${row.entry.description}" missed what was expected without naming what it did not understand`,
    );
  }
});
