import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runWatan, startWatan } from './run-watan.ts';

const root = mkdtempSync(join(tmpdir(), 'watan-genesis-'));
after(() => rmSync(root, { recursive: true, force: true }));
const TIMEOUT = { timeout: 60_000 };

test('a production subnet starts from a genesis signed by offline governance keys, and keeps no governance key', TIMEOUT, async () => {
  const data = join(root, 'production');
  const governanceKey = join(root, 'governance-1.key');
  const keyId = (await runWatan(['governance-key', '--out', governanceKey])).stdout.trim();
  const nodeId = (await runWatan(['node', 'key', '--data', data])).stdout.trim();
  const genesis = await runWatan([
    'genesis',
    '--subnet',
    'pk-gov',
    '--governance-key-file',
    governanceKey,
    '--node-id',
    nodeId,
    '--operator',
    'National Telecom Corporation',
    '--data-centre',
    'Islamabad DC-1',
    '--province',
    'Islamabad Capital Territory',
  ]);
  assert.equal(genesis.code, 0, genesis.stderr);
  const genesisFile = join(root, 'genesis.json');
  writeFileSync(genesisFile, genesis.stdout);

  const node = await startWatan(['--data', data, '--port', '0', '--genesis', genesisFile]);
  try {
    assert.equal(node.subnet, 'pk-gov');
    assert.equal(node.node, nodeId);
    const verify = await runWatan(['verify', '--url', node.url, '--governance-key', keyId]);
    assert.equal(verify.code, 0, verify.stdout);
    assert.match(verify.stdout, /all 1 governance key\(s\) are pinned/);
    const impostor = await runWatan(['verify', '--url', node.url, '--governance-key', nodeId]);
    assert.notEqual(impostor.code, 0, 'verification against other pinned keys fails');
  } finally {
    await node.stop('SIGTERM');
  }
  assert.equal(existsSync(join(data, 'governance.key')), false, 'no governance key on a production node');
  const audit = await runWatan(['audit', '--data', data, '--governance-key', keyId]);
  assert.equal(audit.code, 0, audit.stdout);
});

test('a node the genesis does not admit refuses to start, saying so', TIMEOUT, async () => {
  const governanceKey = join(root, 'governance-2.key');
  await runWatan(['governance-key', '--out', governanceKey]);
  const otherNode = (await runWatan(['node', 'key', '--data', join(root, 'someone-else')])).stdout.trim();
  const genesis = await runWatan([
    'genesis',
    '--subnet',
    'pk-edu',
    '--governance-key-file',
    governanceKey,
    '--node-id',
    otherNode,
    '--operator',
    'HEC',
    '--data-centre',
    'Lahore',
    '--province',
    'Punjab',
  ]);
  assert.equal(genesis.code, 0, genesis.stderr);
  const genesisFile = join(root, 'genesis-other.json');
  writeFileSync(genesisFile, genesis.stdout);
  const start = await runWatan(['start', '--data', join(root, 'not-admitted'), '--port', '0', '--genesis', genesisFile]);
  assert.notEqual(start.code, 0, `the start should fail:\nstdout:\n${start.stdout}\nstderr:\n${start.stderr}`);
  assert.match(start.stderr, /is not a member of subnet pk-edu/);
});

test('a development node refused for a foreign jurisdiction starts once its facts are corrected', TIMEOUT, async () => {
  const data = join(root, 'corrected');
  const refused = await runWatan(['start', '--dev', '--data', data, '--port', '0', '--jurisdiction', 'AE']);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /jurisdiction AE.*admits only nodes in PK/);
  const node = await startWatan(['--dev', '--data', data, '--port', '0', '--jurisdiction', 'pk']);
  try {
    const verify = await runWatan(['verify', '--url', node.url]);
    assert.equal(verify.code, 0, verify.stdout);
  } finally {
    await node.stop('SIGINT');
  }
});

test('a bad subnet id or jurisdiction is refused before the data folder is touched', TIMEOUT, async () => {
  const data = join(root, 'untouched');
  const badSubnet = await runWatan(['start', '--data', data, '--port', '0', '--subnet', 'Pakistan']);
  assert.equal(badSubnet.code, 1);
  assert.match(badSubnet.stderr, /subnet id "Pakistan" must be/);
  const badJurisdiction = await runWatan(['start', '--data', data, '--port', '0', '--jurisdiction', 'Pakistan']);
  assert.equal(badJurisdiction.code, 2);
  assert.match(badJurisdiction.stderr, /two-letter country code/);
  assert.equal(existsSync(data), false);
});
