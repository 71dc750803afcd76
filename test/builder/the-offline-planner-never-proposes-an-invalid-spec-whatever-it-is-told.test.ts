/**
 * A property test: descriptions and refinements made of random phrases of the planner's own
 * lexicon (the words it will act on) never crash it and never make it propose a spec the
 * validator refuses — it plans, or says it did not understand.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type AppSpec, OfflinePlanner, PlanningError, parseSpec, specProblems } from '../../src/builder/index.ts';
import { FIELD_WORDS, OFFERINGS, ROLE_WORDS, STEPS, SUBJECTS } from '../../src/builder/planner/offline/lexicon/index.ts';
import { example } from './engine-fixture.ts';

/** A small deterministic generator, so a failure names a case that can be run again. */
function generator(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

const phrases = (words: { phrases: string[] }[]) => words.flatMap((w) => w.phrases);
const VOCABULARY = [
  ...phrases(FIELD_WORDS),
  ...phrases(ROLE_WORDS),
  ...phrases(SUBJECTS),
  ...phrases(OFFERINGS),
  ...phrases(STEPS),
  ...['complaint', 'appointment', 'leave', 'attendance', 'inventory', 'directory', 'survey', 'event', 'registration', 'seats', '30'],
  ...['is told', 'notified', 'can', 'can also', 'cannot', 'file a', 'see', 'edit', 'delete', 'and', ',', '.', 'with', 'for'],
];
const CHANGES = ['add', 'remove', 'remove the', 'make', 'required', 'hata dein', 'شامل کریں', 'ہٹا دیں', 'lazmi', 'bhi', 'and', ','];
const EXAMPLES = [
  'complaint-tracking',
  'course-registration',
  'leave-requests',
  'passport-appointments',
  'school-attendance',
  'startup-inventory',
];

test('random descriptions and refinements over the lexicon plan a valid spec or name what was not understood', () => {
  const random = generator(20261203);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const planner = new OfflinePlanner();
  const outcomes = { planned: 0, refined: 0, notUnderstood: 0 };
  const specs: AppSpec[] = EXAMPLES.map((name) => parseSpec(example(name)));
  for (let i = 0; i < 3000; i++) {
    const refining = i % 2 === 1;
    const current = refining ? pick(specs) : undefined;
    const fieldNames = current ? current.entities.flatMap((e) => e.fields.map((f) => f.name.replace(/_/g, ' '))) : [];
    const words = Array.from({ length: 1 + Math.floor(random() * 12) }, () => {
      if (current && random() < 0.3) return pick(CHANGES);
      if (current && random() < 0.3) return pick(fieldNames);
      return pick(VOCABULARY);
    });
    const description = words.join(' ');
    try {
      const { spec } = planner.planNow({ description, ...(current ? { current } : {}) });
      assert.deepEqual(specProblems(spec), [], description);
      if (refining) outcomes.refined++;
      else {
        outcomes.planned++;
        if (specs.length < 200) specs.push(spec);
      }
    } catch (error) {
      assert.ok(error instanceof PlanningError, `"${description}" crashed the planner: ${String(error)}`);
      assert.equal(error.code, 'NOT_UNDERSTOOD', `"${description}" ${current ? `refining ${current.slug}` : ''}: ${error.message}`);
      outcomes.notUnderstood++;
    }
  }
  assert.ok(outcomes.planned > 500 && outcomes.refined > 1000, JSON.stringify(outcomes));
});
