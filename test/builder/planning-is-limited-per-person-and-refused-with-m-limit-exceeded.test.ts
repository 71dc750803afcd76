/**
 * A plan may cost a model's GPU time, so each person may ask a node for only so many a minute
 * (WATAN_PLANNER_RATE): the next is refused with 429 M_LIMIT_EXCEEDED and when to try again,
 * while other people are served as before.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PlannerSettingsError, plannerSettingsFromEnvironment } from '../../src/builder/planner/index.ts';
import { type BuilderNode, startBuilderNode } from './builder-node.ts';

const DESCRIPTION = 'a library where members borrow books and staff record returns';
let n: BuilderNode;

before(async () => {
  process.env.WATAN_PLANNER_RATE = '3';
  n = await startBuilderNode('builder-plan-limit');
});

after(async () => {
  await n?.close();
});

test('the fourth plan of a minute is refused with M_LIMIT_EXCEEDED; another person still plans', async () => {
  for (let i = 0; i < 3; i++) {
    const planned = await n.api('POST', '/plan', n.builder.token, { description: DESCRIPTION });
    assert.equal(planned.status, 200, JSON.stringify(planned.body));
  }
  const refused = await n.api('POST', '/plan', n.builder.token, { description: DESCRIPTION });
  assert.equal(refused.status, 429);
  assert.equal(refused.body.errcode, 'M_LIMIT_EXCEEDED');
  assert.ok(typeof refused.body.retry_after_ms === 'number' && refused.body.retry_after_ms > 0, JSON.stringify(refused.body));
  const other = await n.verifiedAccount('another-builder');
  const theirs = await n.api('POST', '/plan', other.token, { description: DESCRIPTION });
  assert.equal(theirs.status, 200, JSON.stringify(theirs.body));
});

test('a WATAN_PLANNER_RATE that is not a whole number above zero is refused, naming the variable', () => {
  for (const value of ['0', '-1', '2.5', 'many']) {
    assert.throws(
      () => plannerSettingsFromEnvironment({ WATAN_PLANNER_RATE: value }),
      (error: Error) => error instanceof PlannerSettingsError && /WATAN_PLANNER_RATE/.test(error.message),
    );
  }
  assert.equal(plannerSettingsFromEnvironment({ WATAN_PLANNER_RATE: '30' }).plansPerMinute, 30);
});
