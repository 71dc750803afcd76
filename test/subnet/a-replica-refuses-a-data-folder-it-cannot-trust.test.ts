import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { coreApps, DataDirError, dataFiles, Subnet } from '../../src/subnet/index.ts';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function folderWith(puts: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'watan-trust-'));
  dirs.push(dir);
  const subnet = await Subnet.open({ dataDir: dir, apps: coreApps });
  for (let i = 0; i < puts; i++) await subnet.submit({ app: 'kv', method: 'put', args: { key: `k${i}`, value: 'v' }, caller: 't' });
  await subnet.close();
  return dir;
}

test('a state ahead of a truncated log is refused with what to do, instead of hanging writes', async () => {
  const dir = await folderWith(3);
  const log = new Database(dataFiles(dir).log);
  log.prepare('DELETE FROM blocks WHERE block = (SELECT max(block) FROM blocks)').run();
  log.close();
  await assert.rejects(
    Subnet.open({ dataDir: dir, apps: coreApps }),
    (e: unknown) => e instanceof DataDirError && /log ends at 2.*restore the log/.test(e.message),
  );
});

test('a log with another history than the state was built from is refused', async () => {
  const dir = await folderWith(2);
  const other = await folderWith(3);
  copyFileSync(dataFiles(other).log, dataFiles(dir).log);
  await assert.rejects(
    Subnet.open({ dataDir: dir, apps: coreApps }),
    (e: unknown) => e instanceof DataDirError && /not the one the state was built from/.test(e.message),
  );
});

test('two replicas never share a data folder, but a lock left by a dead process is taken over', async () => {
  const dir = await folderWith(0);
  const first = await Subnet.open({ dataDir: dir, apps: coreApps });
  await assert.rejects(
    Subnet.open({ dataDir: dir, apps: coreApps }),
    (e: unknown) => e instanceof DataDirError && /in use by process/.test(e.message),
  );
  await first.close();
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
  writeFileSync(dataFiles(dir).lock, `${dead}\n`);
  const again = await Subnet.open({ dataDir: dir, apps: coreApps });
  await again.close();
});

test('the node key and every database file are readable by their owner only', async () => {
  const dir = await folderWith(1);
  const subnet = await Subnet.open({ dataDir: dir, apps: coreApps });
  try {
    const files = readdirSync(dir).filter((name) => name.endsWith('.key') || name.includes('.sqlite'));
    assert.ok(
      files.some((name) => name.endsWith('-wal')),
      `an open node has WAL files: ${files.join(', ')}`,
    );
    for (const name of files) assert.equal(statSync(join(dir, name)).mode & 0o077, 0, `${name} is readable by others`);
  } finally {
    await subnet.close();
  }
});

test('an observer that throws after a commit does not stop the replica', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'watan-trust-'));
  dirs.push(dir);
  const subnet = await Subnet.open({
    dataDir: dir,
    apps: coreApps,
    observer: {
      applied() {
        throw new Error('metrics backend down');
      },
    },
  });
  try {
    const warned = new Promise((resolve) => process.once('warning', resolve));
    assert.equal((await subnet.submit({ app: 'kv', method: 'put', args: { key: 'a', value: 'b' }, caller: 't' })).ok, true);
    await warned;
    assert.equal(subnet.failed, undefined);
    assert.equal((await subnet.submit({ app: 'kv', method: 'put', args: { key: 'a', value: 'c' }, caller: 't' })).ok, true);
  } finally {
    await subnet.close();
  }
});
