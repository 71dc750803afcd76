import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { coreApps, Subnet } from '../../src/subnet/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'watan-checkpoint-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const sizeOf = (path: string) => statSync(path, { throwIfNoEntry: false })?.size ?? 0;

test('committed state reaches the database file from the checkpointer thread, long before SQLite would on the replica’s connection', async () => {
  const subnet = await Subnet.open({ dataDir: dir, apps: coreApps });
  const state = join(dir, 'state.sqlite');
  try {
    const before = sizeOf(state);
    // A few hundred pages: short of the thousand after which SQLite would checkpoint on the committing connection.
    for (let round = 0; round < 20; round++) {
      await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          subnet.submit({ app: 'kv', method: 'put', args: { key: `k${round}.${i}`, value: 'v'.repeat(3000) }, caller: 'test' }),
        ),
      );
    }
    assert.ok(sizeOf(`${state}-wal`) > 0, 'the commits went to the write-ahead log');
    const deadline = Date.now() + 10_000;
    while (sizeOf(state) <= before + 100 * 3000 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok(sizeOf(state) > before + 100 * 3000, `the database file grew from ${before} to only ${sizeOf(state)} bytes`);
    assert.deepEqual(subnet.query('kv', 'get', { key: 'k19.4' }, 'test'), { value: 'v'.repeat(3000), version: 1 });
  } finally {
    await subnet.close();
  }
  const reopened = await Subnet.open({ dataDir: dir, apps: coreApps });
  try {
    assert.deepEqual(reopened.query('kv', 'get', { key: 'k0.0' }, 'test'), { value: 'v'.repeat(3000), version: 1 });
  } finally {
    await reopened.close();
  }
});
