import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const repo = new URL('../../', import.meta.url).pathname;
const biome = join(repo, 'node_modules/.bin/biome');
const work = mkdtempSync(join(tmpdir(), 'watan-lint-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** Lints `source` as if it were the file `path` of this project, with the project's own rules. */
function lintAs(path: string, source: string): { status: number | null; output: string } {
  const config = JSON.parse(readFileSync(join(repo, 'biome.json'), 'utf8')) as Record<string, unknown>;
  config.vcs = { enabled: false };
  delete config.$schema;
  writeFileSync(join(work, 'biome.json'), JSON.stringify(config));
  cpSync(join(repo, 'lint'), join(work, 'lint'), { recursive: true });
  mkdirSync(join(work, path, '..'), { recursive: true });
  writeFileSync(join(work, path), source);
  const run = spawnSync(biome, ['lint', '--max-diagnostics=50', path], { cwd: work, encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

const forbidden = readFileSync(new URL('../fixtures/lint/apps/forbidden.ts', import.meta.url), 'utf8');

test('the linter refuses the wall clock, Math.random, crypto randomness, file I/O and the environment in app code', () => {
  const { status, output } = lintAs('src/subnet/apps/forbidden.ts', forbidden);
  assert.notEqual(status, 0, output);
  assert.equal(output.match(/Not allowed in app code/g)?.length, 5, output);
  assert.match(output, /apps make no file I\/O/);
});

test('the same calls outside app code are not the determinism rule’s business', () => {
  // src/web/apps holds the pages of generated apps: served by the node, never run by the executor.
  for (const path of ['src/node/clock.ts', 'src/web/apps/list-page.ts']) {
    const { output } = lintAs(path, forbidden);
    assert.doesNotMatch(output, /Not allowed in app code/, path);
    assert.doesNotMatch(output, /apps make no file I\/O/, path);
  }
});

test('an app that uses ctx.time and ctx.random passes the linter', () => {
  const clean = `export function run(ctx: { time: number; random: { int(n: number): number } }): number[] {\n  return [ctx.time, ctx.random.int(6)];\n}\n`;
  const { status, output } = lintAs('src/subnet/apps/clean.ts', clean);
  assert.equal(status, 0, output);
});
