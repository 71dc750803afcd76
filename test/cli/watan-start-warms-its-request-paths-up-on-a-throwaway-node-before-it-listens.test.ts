import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { getJson, type RunningWatan, startWatan } from './run-watan.ts';

const TEST_TIMEOUT = { timeout: 120_000 };
/** A warm-up sends a thousand messages before the node listens: more than a bare start on a busy machine. */
const START_TIMEOUT_MS = 60_000;

interface LogLine {
  msg?: string;
  messages?: number;
  deliveries?: number;
  caughtUp?: number;
  ms?: number;
  reason?: string;
}

/** The node's JSON log lines on stdout, up to its listening line, and whether that line came after them. */
function logBeforeListening(stdout: string): LogLine[] {
  const lines = stdout.split('\n');
  const listening = lines.findIndex((line) => line.startsWith('watan: node '));
  assert.ok(listening >= 0, `no listening line in:\n${stdout}`);
  return lines
    .slice(0, listening)
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

describe('watan start warms its request paths up on a throwaway node before it listens', TEST_TIMEOUT, () => {
  let root: string;
  const nodes: RunningWatan[] = [];

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'watan-warm-up-test-'));
  });

  after(async () => {
    await Promise.all(nodes.map((node) => node.kill()));
    await rm(root, { recursive: true, force: true });
  });

  /** A node on its own data folder, its temporary files kept apart in `temporary` so that what the warm-up leaves there shows. */
  const start = async (name: string, args: string[], temporary: string): Promise<RunningWatan> => {
    const node = await startWatan(['--data', join(root, name), '--port', '0', ...args], START_TIMEOUT_MS, {
      TMPDIR: temporary,
      WATAN_LOG_LEVEL: 'info',
    });
    nodes.push(node);
    return node;
  };

  test('by default: a room of ten members is sent a thousand messages, every member hears the last, and nothing of it stays', async () => {
    const temporary = join(root, 'tmp-default');
    await mkdir(temporary);
    const node = await start('default', ['--dev', '--warm-up'], temporary);

    const warmed = logBeforeListening(node.stdout()).find((line) => line.msg === 'warmed the request paths up on a throwaway node');
    assert.ok(warmed, `no warm-up line before the listening line:\n${node.stdout()}`);
    assert.equal(warmed.messages, 1000);
    assert.equal(warmed.caughtUp, 10, 'every member long-polled its way to the last message');
    assert.ok((warmed.deliveries ?? 0) >= 1000, `members were answered with ${warmed.deliveries} messages`);
    assert.deepEqual(await readdir(temporary), [], "the throwaway node's folder is gone");

    // The warm-up's accounts lived on the throwaway node only: the name is free here.
    const available = await getJson(`${node.url}/_matrix/client/v3/register/available?username=warm-up-0`);
    assert.deepEqual(available, { status: 200, body: { available: true } });
    const health = await getJson(`${node.url}/_watan/v1/health`);
    assert.equal(health.body.status, 'ok');
  });

  test('--no-warm-up listens at once, without one', async () => {
    const temporary = join(root, 'tmp-none');
    await mkdir(temporary);
    const node = await start('none', ['--no-warm-up'], temporary);
    const messages = logBeforeListening(node.stdout()).map((line) => line.msg);
    assert.ok(!messages.some((msg) => msg?.includes('warm')), `a warm-up ran: ${messages.join('; ')}`);
  });

  test('a warm-up that cannot run is reported, and the node starts without it', async () => {
    // Temporary files cannot be made under a regular file.
    const temporary = join(root, 'not-a-folder');
    await writeFile(temporary, '');
    const node = await start('failing', ['--warm-up'], temporary);
    const failed = logBeforeListening(node.stdout()).find((line) => line.msg === 'the warm-up did not finish; the node starts without it');
    assert.ok(failed, `no warning before the listening line:\n${node.stdout()}`);
    assert.match(failed.reason ?? '', /not-a-folder/);
    const health = await getJson(`${node.url}/_watan/v1/health`);
    assert.equal(health.body.status, 'ok');
  });
});
