import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type CommandResult, coreApps, Subnet } from '../../src/subnet/index.ts';

function outcome(result: CommandResult): unknown {
  assert.ok(result.ok, `expected success, got ${JSON.stringify(result)}`);
  return result.value;
}

test('kv.cas sets a register only from the value it expects, says what it found otherwise, and refuses bad arguments', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'watan-cas-'));
  const subnet = await Subnet.open({ dataDir: dir, apps: coreApps });
  const cas = (id: string, args: Record<string, unknown>) =>
    subnet.submit({ id, app: 'kv', method: 'cas', caller: 'test', args: args as never });
  const register = () => subnet.query('kv', 'get', { key: 'r' }, 'test');
  try {
    // Absent is `expected: null`; any other expectation of an absent register fails.
    assert.deepEqual(outcome(await cas('a', { key: 'r', expected: 'x', value: 'one' })), { swapped: false, found: null });
    assert.equal(register(), null);
    assert.deepEqual(outcome(await cas('b', { key: 'r', expected: null, value: 'one' })), { swapped: true, found: null, version: 1 });
    assert.deepEqual(register(), { value: 'one', version: 1 });

    // A stale expectation changes nothing and names the value that is there.
    assert.deepEqual(outcome(await cas('c', { key: 'r', expected: null, value: 'two' })), { swapped: false, found: 'one' });
    assert.deepEqual(outcome(await cas('d', { key: 'r', expected: 'zero', value: 'two' })), { swapped: false, found: 'one' });
    assert.deepEqual(register(), { value: 'one', version: 1 });
    assert.deepEqual(outcome(await cas('e', { key: 'r', expected: 'one', value: 'two' })), { swapped: true, found: 'one', version: 2 });
    assert.deepEqual(register(), { value: 'two', version: 2 });
    // The empty string is a value, not absence.
    assert.deepEqual(outcome(await cas('f', { key: 'r', expected: 'two', value: '' })), { swapped: true, found: 'two', version: 3 });
    assert.deepEqual(outcome(await cas('g', { key: 'r', expected: null, value: 'x' })), { swapped: false, found: '' });

    // The same id again answers the first result and swaps nothing twice.
    assert.deepEqual(outcome(await cas('e', { key: 'r', expected: '', value: 'again' })), { swapped: true, found: 'one', version: 2 });
    assert.deepEqual(register(), { value: '', version: 3 });

    for (const [id, args] of [
      ['bad-1', { key: 'r', value: 'v' }],
      ['bad-2', { key: 'r', expected: 1, value: 'v' }],
      ['bad-3', { key: '', expected: null, value: 'v' }],
      ['bad-4', { key: 'r', expected: null, value: 'v', extra: true }],
      ['bad-5', { key: 'r', expected: null, value: 'v'.repeat(65537) }],
      ['bad-6', { key: 'r', expected: 'v'.repeat(65537), value: 'v' }],
    ] as const) {
      const result = await cas(id, args);
      assert.equal(result.ok, false, id);
      assert.ok(!result.ok && result.error.code === 'INVALID_ARGS' && result.error.message.startsWith('kv.cas: '), JSON.stringify(result));
    }
    assert.deepEqual(register(), { value: '', version: 3 });
  } finally {
    await subnet.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
