import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runWatan } from '../cli/run-watan.ts';

test('watan start refuses a --replica-url without --cluster, or one that is not an http URL, before touching its folder', async () => {
  const root = mkdtempSync(join(tmpdir(), 'watan-bad-replica-url-'));
  try {
    const data = join(root, 'data');
    const alone = await runWatan(['start', '--data', data, '--port', '0', '--replica-url', 'http://10.1.0.5:8008']);
    assert.equal(alone.code, 2);
    assert.match(alone.stderr, /--replica-url is where the other replicas of a cluster reach this one: give it with --cluster/);
    const cluster = ['--cluster', 'etcd://127.0.0.1:2379'];
    const notUrl = await runWatan(['start', '--data', data, '--port', '0', ...cluster, '--replica-url', '10.1.0.5:8008']);
    assert.equal(notUrl.code, 2);
    assert.match(notUrl.stderr, /--replica-url must be/);
    const scheme = await runWatan(['start', '--data', data, '--port', '0', ...cluster, '--replica-url', 'ftp://10.1.0.5']);
    assert.equal(scheme.code, 2);
    assert.match(scheme.stderr, /--replica-url must be an http or https URL/);
    assert.equal(existsSync(data), false, 'the data folder was not created');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
