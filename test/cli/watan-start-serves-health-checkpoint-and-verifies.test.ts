import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { getJson, type RunningWatan, runWatan, startWatan } from './run-watan.ts';

const TEST_TIMEOUT = { timeout: 60_000 };

/** A stack trace line, as Node prints them: "    at fn (file:line:col)". */
const STACK_LINE = /^\s+at /m;

describe('a node started with `watan start --port 0`', TEST_TIMEOUT, () => {
  let dataDir: string;
  let node: RunningWatan | undefined;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'watan-'));
    node = await startWatan(['--data', dataDir, '--port', '0']);
  });

  after(async () => {
    await node?.kill();
    await rm(dataDir, { recursive: true, force: true });
  });

  const running = (): RunningWatan => {
    assert.ok(node, 'the node did not start');
    return node;
  };

  test('prints a listening line naming its node, its subnet and a real port', () => {
    const { url, port, node: nodeId, subnet } = running();
    assert.equal(subnet, 'watan-dev');
    assert.match(nodeId, /^[A-Za-z0-9_-]{43}$/);
    assert.ok(port > 0, `port ${port} should be the one the OS chose, not 0`);
    assert.equal(url, `http://localhost:${port}`);
  });

  test('answers health with 200, status ok, its subnet and its node', async () => {
    const { status, body } = await getJson(`${running().url}/_watan/v1/health`);
    assert.equal(status, 200);
    assert.equal(body.status, 'ok');
    assert.equal(body.subnet, running().subnet);
    assert.equal(body.node, running().node);
  });

  test('serves a certificate for its subnet signed once, by itself', async () => {
    const { status, body } = await getJson(`${running().url}/_watan/v1/checkpoint`);
    assert.equal(status, 200);
    const certificate = body as { checkpoint: { subnet: string; block: number }; signatures: { node: string; signature: string }[] };
    assert.equal(certificate.checkpoint.subnet, running().subnet);
    assert.ok(certificate.checkpoint.block >= 1);
    assert.equal(certificate.signatures.length, 1);
    assert.equal(certificate.signatures[0]?.node, running().node);
  });

  test('lists itself in the registry it serves', async () => {
    const { status, body } = await getJson(`${running().url}/_watan/v1/registry`);
    assert.equal(status, 200);
    const registry = body as { subnet: string; jurisdiction: string; nodes: { id: string; jurisdiction: string }[] };
    assert.equal(registry.subnet, running().subnet);
    assert.deepEqual(
      registry.nodes.map((n) => n.id),
      [running().node],
    );
    assert.equal(registry.nodes[0]?.jurisdiction, registry.jurisdiction);
  });

  test('passes `watan verify --url` as an outsider would check it', async () => {
    const result = await runWatan(['verify', '--url', running().url]);
    assert.equal(result.code, 0, `verify failed:\n${result.stdout}\n${result.stderr}`);
    assert.match(result.stdout, /verified/);
    assert.doesNotMatch(result.stdout, /FAIL/);
  });

  test('is named by `watan node info --data` with the node id health reports', async () => {
    const { body } = await getJson(`${running().url}/_watan/v1/health`);
    const result = await runWatan(['node', 'info', '--data', dataDir]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^node\\s+${body.node}$`, 'm'));
    assert.match(result.stdout, new RegExp(`^subnet\\s+${body.subnet}$`, 'm'));
  });

  test('answers an unknown path with 404 M_UNRECOGNIZED', async () => {
    const { status, body } = await getJson(`${running().url}/_watan/v1/no-such-thing`);
    assert.equal(status, 404);
    assert.equal(body.errcode, 'M_UNRECOGNIZED');
  });

  test('answers a non-numeric checkpoint block with 400 M_INVALID_PARAM', async () => {
    const { status, body } = await getJson(`${running().url}/_watan/v1/checkpoint?block=abc`);
    assert.equal(status, 400);
    assert.equal(body.errcode, 'M_INVALID_PARAM');
  });

  test('keeps its port: a second node started on it exits non-zero saying the port is already in use', async () => {
    const otherDir = await mkdtemp(join(tmpdir(), 'watan-'));
    try {
      const result = await runWatan(['start', '--data', otherDir, '--port', String(running().port)]);
      assert.notEqual(result.code, 0, `the second node should not have started:\n${result.stdout}`);
      assert.match(result.stderr, /already in use/);
      assert.doesNotMatch(result.stderr, STACK_LINE);
      const { status } = await getJson(`${running().url}/_watan/v1/health`);
      assert.equal(status, 200, 'the first node should still be serving');
    } finally {
      await rm(otherDir, { recursive: true, force: true });
    }
  });

  test('keeps its data folder to its subnet: starting it with --subnet other exits non-zero saying whose folder it is', async () => {
    const result = await runWatan(['start', '--data', dataDir, '--port', '0', '--subnet', 'other']);
    assert.notEqual(result.code, 0, `a node for subnet "other" should not have started:\n${result.stdout}`);
    assert.match(result.stderr, /belongs to subnet/);
    assert.match(result.stderr, /watan-dev/);
    assert.doesNotMatch(result.stderr, STACK_LINE);
  });
});

describe('stopping a node', TEST_TIMEOUT, () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    test(`on ${signal} exits 0 and leaves a data folder that audits clean`, TEST_TIMEOUT, async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'watan-'));
      let node: RunningWatan | undefined;
      try {
        node = await startWatan(['--data', dataDir, '--port', '0']);
        const { status } = await getJson(`${node.url}/_watan/v1/health`);
        assert.equal(status, 200);
        const exit = await node.stop(signal);
        assert.deepEqual(exit, { code: 0, signal: null }, `stderr:\n${node.stderr()}`);
        const audit = await runWatan(['audit', '--data', dataDir]);
        assert.equal(audit.code, 0, `audit after ${signal} failed:\n${audit.stdout}\n${audit.stderr}`);
        assert.match(audit.stdout, /audit passed/);
      } finally {
        await node?.kill();
        await rm(dataDir, { recursive: true, force: true });
      }
    });
  }
});

test(
  '`watan start --data` naming a regular file exits non-zero with a message about the data folder, not a stack trace',
  TEST_TIMEOUT,
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'watan-'));
    try {
      const file = join(dir, 'not-a-folder');
      await writeFile(file, 'just a file\n');
      const result = await runWatan(['start', '--data', file, '--port', '0']);
      assert.notEqual(result.code, 0, `the node should not have started:\n${result.stdout}`);
      assert.match(result.stderr, /data folder/);
      assert.match(result.stderr, /not a folder/);
      assert.ok(result.stderr.includes(file), `the message should name ${file}:\n${result.stderr}`);
      assert.doesNotMatch(result.stderr, STACK_LINE);
      assert.doesNotMatch(result.stdout, /listening on/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);
