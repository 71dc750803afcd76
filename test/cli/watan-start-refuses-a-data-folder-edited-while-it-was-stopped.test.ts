import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { dataFiles, sha256, toHex } from '../../src/subnet/index.ts';
import { editDatabase } from '../fixtures/edit-database.ts';
import { runWatan, startWatan } from './run-watan.ts';

const TIMEOUT = { timeout: 180_000 };
const START_ARGS = ['--port', '0', '--open-registration'];
const root = mkdtempSync(join(tmpdir(), 'watan-startup-trust-'));
const original = join(root, 'original');
let victim = '';
let attacker = '';

after(() => rmSync(root, { recursive: true, force: true }));

async function call(base: string, method: string, path: string, token?: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${base}/_matrix/client/v3${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  return (await response.json()) as Record<string, unknown>;
}

async function register(base: string, username: string): Promise<{ token: string; userId: string }> {
  const body = { username, password: `${username} has a long password` };
  const { session } = await call(base, 'POST', '/register', undefined, body);
  const account = await call(base, 'POST', '/register', undefined, { ...body, auth: { type: 'm.login.dummy', session } });
  return { token: account.access_token as string, userId: account.user_id as string };
}

/** A folder a node wrote and then left cleanly: two accounts, a room and a message. */
before(async () => {
  const node = await startWatan(['--data', original, ...START_ARGS]);
  try {
    const alice = await register(node.url, 'alice');
    const mallory = await register(node.url, 'mallory');
    victim = alice.userId;
    attacker = mallory.userId;
    const { room_id: room } = await call(node.url, 'POST', '/createRoom', alice.token, { name: 'plans' });
    await call(node.url, 'PUT', `/rooms/${encodeURIComponent(room as string)}/send/m.room.message/t1`, alice.token, {
      msgtype: 'm.text',
      body: 'meet at noon',
    });
  } finally {
    const ended = await node.stop('SIGTERM');
    assert.equal(ended.code, 0, `ended by ${ended.signal}\nstderr:\n${node.stderr()}`);
  }
  assert.ok(existsSync(dataFiles(original).seal), 'a clean stop seals the folder');
});

function copyOf(name: string): string {
  const dir = join(root, name);
  cpSync(original, dir, { recursive: true });
  return dir;
}

/** Starts watan on the folder; it must exit 1 with one line saying the folder was changed. */
async function assertRefused(dir: string, finding: RegExp): Promise<void> {
  const outcome = await runWatan(['start', '--data', dir, ...START_ARGS], 120_000);
  assert.equal(outcome.code, 1, `the node must refuse to start\nstdout:\n${outcome.stdout}\nstderr:\n${outcome.stderr}`);
  assert.doesNotMatch(outcome.stdout, /listening on/);
  const lines = outcome.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line: ${outcome.stderr}`);
  assert.match(lines[0] as string, /was changed outside the node .*refuses to serve this folder.*watan audit --data/);
  assert.match(lines[0] as string, finding);
}

test('the folder as the node left it starts, sealed or (as after kill -9) not', TIMEOUT, async () => {
  for (const sealed of [true, false]) {
    const dir = copyOf(sealed ? 'untouched' : 'unsealed');
    if (!sealed) rmSync(dataFiles(dir).seal);
    const node = await startWatan(['--data', dir, ...START_ARGS]);
    const ended = await node.stop('SIGTERM');
    assert.equal(ended.code, 0, `ended by ${ended.signal}\nstderr:\n${node.stderr()}`);
  }
});

test('an inserted access-token row (to act as the victim) is refused at start', TIMEOUT, async () => {
  const dir = copyOf('token');
  editDatabase(dataFiles(dir).state, (db) => {
    db.prepare(
      'INSERT INTO app_messenger__access_tokens (token_hash, user_id, device_id, created_at, expires_at, fresh) VALUES (?, ?, ?, 0, NULL, 0)',
    ).run(toHex(sha256(Buffer.from('attacker token'))), victim, 'EVIL');
  });
  await assertRefused(dir, /state digest recomputed from its rows differs/);
});

test('an edited event is refused at start', TIMEOUT, async () => {
  const dir = copyOf('event');
  editDatabase(dataFiles(dir).state, (db) => {
    const changed = db
      .prepare("UPDATE app_messenger__events SET pdu = replace(pdu, 'meet at noon', 'meet at dawn') WHERE type = 'm.room.message'")
      .run().changes;
    assert.equal(changed, 1);
  });
  await assertRefused(dir, /state digest recomputed from its rows differs/);
});

test('a deleted row is refused at start', TIMEOUT, async () => {
  const dir = copyOf('deleted');
  editDatabase(dataFiles(dir).state, (db) => {
    assert.equal(db.prepare("DELETE FROM app_messenger__events WHERE type = 'm.room.message'").run().changes, 1);
  });
  await assertRefused(dir, /state digest recomputed from its rows differs/);
});

test("a swapped password hash (the attacker's on the victim's account) is refused at start", TIMEOUT, async () => {
  const dir = copyOf('password');
  editDatabase(dataFiles(dir).state, (db) => {
    const changed = db
      .prepare(
        'UPDATE app_messenger__users SET password_hash = (SELECT password_hash FROM app_messenger__users WHERE user_id = ?) WHERE user_id = ?',
      )
      .run(attacker, victim).changes;
    assert.equal(changed, 1);
  });
  await assertRefused(dir, /state digest recomputed from its rows differs/);
});

test('a swapped middle log block is refused at start', TIMEOUT, async () => {
  const dir = copyOf('log');
  editDatabase(dataFiles(dir).log, (db) => {
    const blocks = db.prepare<[], { block: number; entries: Buffer }>('SELECT block, entries FROM blocks ORDER BY block').all();
    const [one, two] = blocks.slice(Math.floor(blocks.length / 2) - 1, Math.floor(blocks.length / 2) + 1);
    assert.ok(one && two && blocks.length > 4, 'the log has middle blocks');
    const swap = db.prepare('UPDATE blocks SET entries = ? WHERE block = ?');
    swap.run(two.entries, one.block);
    swap.run(one.entries, two.block);
  });
  await assertRefused(dir, /log .*(does not match its chain hash|malformed|claims heights)/);
});
