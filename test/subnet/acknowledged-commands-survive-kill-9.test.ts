import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';
import { auditDataDir, coreApps, dataFiles, SqliteLog, Subnet } from '../../src/subnet/index.ts';

const child = new URL('../fixtures/kv-load-child.ts', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'watan-crash-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the load child until it has acknowledged `count` commands, then SIGKILLs it. */
async function loadThenKill(prefix: string, count: number): Promise<string[]> {
  const process_: ChildProcess = spawn(process.execPath, [child, dir, prefix], { stdio: ['ignore', 'pipe', 'inherit'] });
  const acked: string[] = [];
  const exited = new Promise<NodeJS.Signals | null>((resolve) => process_.on('exit', (_code, signal) => resolve(signal)));
  const timer = setTimeout(() => process_.kill('SIGKILL'), 60_000);
  try {
    for await (const line of createInterface({ input: process_.stdout as NodeJS.ReadableStream })) {
      if (line.startsWith('ack ')) acked.push(line.slice(4));
      if (acked.length === count) process_.kill('SIGKILL');
    }
  } finally {
    clearTimeout(timer);
  }
  assert.equal(await exited, 'SIGKILL', 'the child was killed, not stopped cleanly');
  assert.ok(acked.length >= count, `the child acknowledged only ${acked.length} commands before dying`);
  return acked;
}

test('every command acknowledged before a kill -9 is present exactly once after restart', async () => {
  const acked = [...(await loadThenKill('first', 400)), ...(await loadThenKill('second', 400))];

  const log = new SqliteLog(dataFiles(dir).log, 'watan-dev', { readonly: true });
  const ids = log.readFromSync(0, 1_000_000).flatMap((block) => block.entries.map((entry) => entry.command.id));
  assert.equal(log.verifyChain(), null, 'the log hash chain verifies');
  log.close();
  const occurrences = new Map<string, number>();
  for (const id of ids) occurrences.set(id, (occurrences.get(id) ?? 0) + 1);
  for (const id of acked) assert.equal(occurrences.get(id), 1, `${id} appears ${occurrences.get(id) ?? 0} times in the log`);

  const subnet = await Subnet.open({ dataDir: dir, apps: coreApps });
  try {
    assert.equal(subnet.appliedHeight, subnet.logHeight, 'the restarted replica caught up with its log');
    for (const id of acked) {
      assert.deepEqual(subnet.query('kv', 'get', { key: id }, 'test'), { value: `value of ${id}`, version: 1 }, `${id} executed once`);
      assert.equal(subnet.result(id)?.ok, true);
    }
    const again = await subnet.submit({ id: acked[0], app: 'kv', method: 'put', args: { key: 'other', value: 'x' }, caller: 'test' });
    assert.equal(again.height, subnet.result(acked[0] as string)?.height, 'a retried id after the crash yields the first result');
  } finally {
    await subnet.close();
  }
  const audit = auditDataDir(dir, coreApps);
  assert.deepEqual(audit.findings, [], 'the digest matches a full scan and the certificate');
});
