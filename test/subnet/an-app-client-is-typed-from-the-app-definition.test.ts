import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { appClient, coreApps, kvApp, Subnet } from '../../src/subnet/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'watan-app-client-'));
let subnet: Subnet;
before(async () => {
  subnet = await Subnet.open({ dataDir: dir, apps: coreApps });
});
after(async () => {
  await subnet.close();
  rmSync(dir, { recursive: true, force: true });
});

test('methods and queries are called by their typed names, with typed arguments and results', async () => {
  const kv = appClient(subnet, kvApp);
  const put = await kv.run('put', { key: 'greeting', value: 'salaam' }, 'test');
  assert.ok(put.ok);
  const version: number = put.value.version;
  assert.equal(version, 1);
  const got = kv.ask('get', { key: 'greeting' }, 'test');
  assert.deepEqual(got, { value: 'salaam', version: 1 });
  // @ts-expect-error: kv has no method "set"; a wrong name fails the type check.
  const unknown = await kv.run('set', { key: 'x', value: 'y' }, 'test');
  assert.equal(!unknown.ok && unknown.error.code, 'UNKNOWN_METHOD');
  // @ts-expect-error: put's value is text, not a number.
  const wrong = await kv.run('put', { key: 'x', value: 5 }, 'test');
  assert.equal(wrong.ok, false);
});
