import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type RunningNode, startNode } from '../../src/node/index.ts';
import { type ResultProof, verifyResultProof } from '../../src/subnet/index.ts';
import { testNodeConfig } from '../fixtures/messenger-node.ts';

const dir = mkdtempSync(join(tmpdir(), 'watan-node-'));
const logLines: string[] = [];
let node: RunningNode;

before(async () => {
  node = await startNode(testNodeConfig(dir, logLines));
});
after(async () => {
  await node.close();
  rmSync(dir, { recursive: true, force: true });
});

test('metrics report the log height, commands applied by app and outcome, and apply latency', async () => {
  await node.subnet.submit({ app: 'kv', method: 'put', args: { key: 'a', value: '1' }, caller: 'test' });
  await node.subnet.submit({ app: 'kv', method: 'put', args: { key: 'a', value: '2', expectVersion: 7 }, caller: 'test' });
  const text = await (await fetch(`${node.url}/metrics`)).text();
  assert.match(text, /^watan_log_height \d+$/m);
  assert.match(text, /^watan_applied_height \d+$/m);
  assert.match(text, /^watan_commands_applied_total\{app="kv",outcome="ok"\} 1$/m);
  assert.match(text, /^watan_commands_applied_total\{app="kv",outcome="error"\} 1$/m);
  assert.match(text, /^watan_apply_seconds_bucket\{le="0.005"\} \d+$/m);
});

test('a command result is served with an inclusion proof that verifies against its certificate', async () => {
  const result = await node.subnet.submit({ app: 'kv', method: 'put', args: { key: 'proof', value: 'p' }, caller: 'test' });
  const proof = (await (await fetch(`${node.url}/_watan/v1/results/${result.id}`)).json()) as ResultProof;
  assert.equal(proof.result.id, result.id);
  assert.equal(verifyResultProof(proof), true);
  const forged = structuredClone(proof);
  forged.result = { ...forged.result, ok: true, value: { version: 99 } } as typeof forged.result;
  assert.equal(verifyResultProof(forged), false, 'an altered result does not verify');
  const missing = await fetch(`${node.url}/_watan/v1/results/no-such-command`);
  assert.equal(missing.status, 404);
  assert.equal(((await missing.json()) as { errcode: string }).errcode, 'M_NOT_FOUND');
});

test('an access token in a query string or header never reaches a log line', async () => {
  await fetch(`${node.url}/_watan/v1/health?access_token=syt_query_secret_123`, {
    headers: { authorization: 'Bearer syt_header_secret_456' },
  });
  await fetch(`${node.url}/no/such/path?access_token=syt_query_secret_789`);
  const logs = logLines.join('');
  assert.match(logs, /\/_watan\/v1\/health/, 'the request itself is logged');
  for (const secret of ['syt_query_secret_123', 'syt_header_secret_456', 'syt_query_secret_789']) {
    assert.equal(logs.includes(secret), false, `${secret} appeared in the logs`);
  }
});

test('malformed URLs and long ids are answered in the Matrix error shape, not the router’s', async () => {
  const longId = 'x'.repeat(180);
  const long = await fetch(`${node.url}/_watan/v1/results/${longId}`);
  assert.equal(long.status, 404);
  assert.equal(((await long.json()) as { errcode: string }).errcode, 'M_NOT_FOUND');
  const malformed = await fetch(`${node.url}/_watan/v1/results/%`);
  assert.equal(malformed.status, 400);
  assert.equal(((await malformed.json()) as { errcode: string }).errcode, 'M_INVALID_PARAM');
});
