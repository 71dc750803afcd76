import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { repoRoot, runWatan } from '../cli/run-watan.ts';
import { type BuilderNode, startBuilderNode } from './builder-node.ts';

const dir = mkdtempSync(join(tmpdir(), 'watan-app-cli-'));
const example = join(repoRoot, 'examples/apps/startup-inventory.json');
const spec = JSON.parse(readFileSync(example, 'utf8'));
const write = (name: string, value: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value), { mode: 0o600 });
  return path;
};
let n: BuilderNode;
before(async () => {
  n = await startBuilderNode('builder-cli');
});
after(async () => {
  await n.close();
  rmSync(dir, { recursive: true, force: true });
});

test('watan app validate accepts every example and names each place and problem of a broken one', async () => {
  const ok = await runWatan(['app', 'validate', example]);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /a valid spec of "startup-inventory"/);
  const broken = structuredClone(spec);
  broken.entities[1].fields[2].min = 'zero';
  broken.views[0].sort.field = 'stock';
  const bad = await runWatan(['app', 'validate', write('broken.json', broken)]);
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /broken\.json: \/entities\/1\/fields\/2\/min: min of a number field must be a number/);
  assert.match(bad.stdout, /broken\.json: \/views\/0\/sort\/field: entity "product" has no field "stock"/);
  const notJson = await runWatan(['app', 'validate', write('garbage.json', '{ nope')]);
  assert.equal(notJson.code, 1);
  assert.match(notJson.stdout, /garbage\.json: not JSON/);
});

test('watan app diff prints one line per change, each starting with safe or confirm', async () => {
  const next = structuredClone(spec);
  next.entities[1].fields.push({ name: 'barcode', label: { en: 'Barcode', ur: 'بار کوڈ' }, type: 'text' });
  next.entities[0].fields = next.entities[0].fields.filter((f: { name: string }) => f.name !== 'phone');
  next.views[1].columns = ['company', 'email'];
  next.roles.push({ name: 'auditor', label: { en: 'Auditor', ur: 'آڈیٹر' } });
  const run = await runWatan(['app', 'diff', example, write('next.json', next)]);
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trim().split('\n');
  assert.deepEqual(lines, [
    'confirm: remove field "phone" of "supplier"; the values of 0 record(s) are archived and can be restored',
    'safe: add field "barcode" to "product"',
    'safe: add role "auditor"',
    'safe: change views',
  ]);
  const urdu = await runWatan(['app', 'diff', example, join(dir, 'next.json'), '--lang', 'ur']);
  assert.match(urdu.stdout.split('\n')[0] ?? '', /^تصدیق: /);
});

test('watan app deploys, lists, exports and imports apps on a node with a token file', async () => {
  const token = write('token', n.builder.token);
  const url = n.m.node.url;
  const deployed = await runWatan(['app', 'deploy', example, '--url', url, '--token-file', token]);
  assert.equal(deployed.code, 0, deployed.stderr);
  assert.match(deployed.stdout, /deployed startup-inventory version 1/);
  const listed = await runWatan(['app', 'list', '--url', url, '--token-file', token]);
  assert.equal(listed.stdout, 'startup-inventory\tversion 1\n');
  const exported = await runWatan(['app', 'export', 'startup-inventory', '--url', url, '--token-file', token]);
  const document = JSON.parse(exported.stdout);
  assert.deepEqual(document.spec, spec);
  document.spec.slug = 'startup-inventory-copy';
  const imported = await runWatan(['app', 'import', write('export.json', document), '--url', url, '--token-file', token]);
  assert.equal(imported.code, 0, imported.stderr);
  const narrowed = structuredClone(spec);
  narrowed.entities[1].fields = narrowed.entities[1].fields.filter((f: { name: string }) => f.name !== 'restock_on');
  const unconfirmed = await runWatan(['app', 'deploy', write('narrowed.json', narrowed), '--url', url, '--token-file', token]);
  assert.equal(unconfirmed.code, 1);
  assert.match(unconfirmed.stdout, /^confirm: remove field "restock_on"/m);
  assert.match(unconfirmed.stderr, /--confirm/);
  const confirmed = await runWatan(['app', 'deploy', join(dir, 'narrowed.json'), '--confirm', '--url', url, '--token-file', token]);
  assert.equal(confirmed.code, 0, confirmed.stderr);
  assert.match(confirmed.stdout, /version 2/);
});
