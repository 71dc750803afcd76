import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runWatan } from '../cli/run-watan.ts';

test('watan start refuses a --cluster that is not etcd://host:port, and a cluster replica without a genesis, before touching its folder', async () => {
  const root = mkdtempSync(join(tmpdir(), 'watan-bad-cluster-'));
  try {
    const data = join(root, 'data');
    const scheme = await runWatan(['start', '--data', data, '--port', '0', '--cluster', 'http://127.0.0.1:2379']);
    assert.equal(scheme.code, 2);
    assert.match(scheme.stderr, /--cluster must be etcd:\/\/host:port/);
    const port = await runWatan(['start', '--data', data, '--port', '0', '--cluster', 'etcd://127.0.0.1:99999']);
    assert.equal(port.code, 2);
    const noGenesis = await runWatan(['start', '--data', data, '--port', '0', '--cluster', 'etcd://127.0.0.1:2379']);
    assert.equal(noGenesis.code, 1);
    assert.match(noGenesis.stderr, /give --genesis FILE with --cluster/);
    assert.equal(existsSync(data), false, 'the data folder was not created');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
