import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type AppSpec, specProblems } from '../../src/builder/index.ts';
import { runWatan } from '../cli/run-watan.ts';
import { type BuilderNode, startBuilderNode } from './builder-node.ts';

const COMPLAINTS =
  'complaint tracking for a municipal office: citizens file a complaint with a photo, staff assign and resolve it, the citizen is told when it is resolved';
const dir = mkdtempSync(join(tmpdir(), 'watan-plan-'));
let n: BuilderNode;
before(async () => {
  n = await startBuilderNode('builder-plan');
});
after(async () => {
  await n.close();
  rmSync(dir, { recursive: true, force: true });
});

test('POST /_watan/v1/apps/plan answers signed-in people only, with a spec the node then deploys', async () => {
  const anonymous = await n.api('POST', '/plan', undefined, { description: COMPLAINTS });
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.body.errcode, 'UNAUTHENTICATED');
  const planned = await n.api('POST', '/plan', n.builder.token, { description: COMPLAINTS });
  assert.equal(planned.status, 200, JSON.stringify(planned.body));
  assert.equal(planned.body.planner, 'offline');
  assert.deepEqual(planned.body.not_understood, []);
  assert.deepEqual(specProblems(planned.body.spec), []);
  const spec = planned.body.spec as AppSpec;
  assert.equal(spec.slug, 'municipal-complaints');
  const deployed = await n.api('POST', '', n.builder.token, { spec });
  assert.equal(deployed.status, 200, JSON.stringify(deployed.body));
  assert.equal(deployed.body.version, 1);
});

test('refining with from answers the upgrade diff against the installed app, with its verdicts', async () => {
  const installed = await n.api('GET', '/municipal-complaints', n.builder.token);
  assert.equal(installed.status, 200, JSON.stringify(installed.body));
  const from = installed.body.spec;
  const refined = await n.api('POST', '/plan', n.builder.token, { description: 'add a phone number and remove the photo field', from });
  assert.equal(refined.status, 200, JSON.stringify(refined.body));
  const diff = refined.body.diff as {
    app: string;
    installed: number;
    needs_confirmation: boolean;
    changes: { safety: string; en: string }[];
  };
  assert.equal(diff.app, 'municipal-complaints');
  assert.equal(diff.installed, 1);
  assert.equal(diff.needs_confirmation, true);
  assert.ok(
    diff.changes.some((c) => c.safety === 'safe' && c.en === 'safe: add field "phone" to "complaint"'),
    JSON.stringify(diff.changes),
  );
  assert.ok(diff.changes.some((c) => c.safety === 'confirm' && c.en.startsWith('confirm: remove field "photo" of "complaint"')));
  const confirmed = await n.api('POST', '', n.builder.token, { spec: refined.body.spec, confirm: true });
  assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
  assert.equal(confirmed.body.version, 2);
});

test('the endpoint refuses what it cannot use with the node’s own JSON errors', async () => {
  const tooLong = await n.api('POST', '/plan', n.builder.token, { description: 'complaints '.repeat(200) });
  assert.equal(tooLong.status, 400);
  assert.equal(tooLong.body.errcode, 'INVALID_ARGS');
  assert.match(String(tooLong.body.error), /description/);
  const empty = await n.api('POST', '/plan', n.builder.token, { description: '   ' });
  assert.equal(empty.status, 400);
  assert.equal(empty.body.errcode, 'BAD_DESCRIPTION');
  const badFrom = await n.api('POST', '/plan', n.builder.token, { description: 'add a phone number', from: { slug: 'x' } });
  assert.equal(badFrom.status, 400);
  assert.equal(badFrom.body.errcode, 'INVALID_SPEC');
  const unknown = await n.api('POST', '/plan', n.builder.token, { description: 'the weather in Murree is lovely' });
  assert.equal(unknown.status, 422);
  assert.equal(unknown.body.errcode, 'NOT_UNDERSTOOD');
  assert.deepEqual(unknown.body.not_understood, ['weather', 'Murree', 'lovely']);
  const extra = await n.api('POST', '/plan', n.builder.token, { description: 'complaints', spec: {} });
  assert.equal(extra.status, 400);
  assert.equal(extra.body.errcode, 'INVALID_ARGS');
});

test('watan app plan prints a spec that watan app validate accepts, and with --from the diff on stderr', async () => {
  const planned = await runWatan(['app', 'plan', 'ایک کلینک کے لیے اپائنٹمنٹ بکنگ']);
  assert.equal(planned.code, 0, planned.stderr);
  const spec = JSON.parse(planned.stdout) as AppSpec;
  assert.equal(spec.slug, 'clinic-appointments');
  const file = join(dir, 'clinic.json');
  writeFileSync(file, planned.stdout, { mode: 0o600 });
  const valid = await runWatan(['app', 'validate', file]);
  assert.equal(valid.code, 0, valid.stdout);
  const refined = await runWatan(['app', 'plan', 'email bhi shamil karein, aur xyzzy', '--from', file]);
  assert.equal(refined.code, 0, refined.stderr);
  assert.ok(JSON.parse(refined.stdout).entities[0].fields.some((f: { name: string }) => f.name === 'email'));
  assert.match(refined.stderr, /^not understood: xyzzy$/m);
  assert.match(refined.stderr, /^safe: add field "email" to "appointment"$/m);
  const lost = await runWatan(['app', 'plan', 'hello world']);
  assert.equal(lost.code, 1);
  assert.match(lost.stderr, /no kind of app recognised/);
  assert.match(lost.stderr, /^not understood: hello world$/m);
  const badPlanner = await runWatan(['app', 'plan', 'complaints', '--planner', 'magic']);
  assert.equal(badPlanner.code, 2);
  const noUrl = await runWatan(['app', 'plan', 'complaints', '--planner', 'openai']);
  assert.equal(noUrl.code, 2);
  assert.match(noUrl.stderr, /base URL/);
});
