import assert from 'node:assert/strict';
import { chmodSync, existsSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runWatan, startWatan } from '../cli/run-watan.ts';

const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);

describe('identity secrets are private files; a readable one is refused', { timeout: 60_000 }, () => {
  let root: string;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'watan-secrets-'));
  });

  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  test('watan start --dev makes the person-hash key, the client secret and the provider keys 0600', async () => {
    const data = join(root, 'dev');
    const node = await startWatan(['--dev', '--data', data, '--port', '0']);
    try {
      assert.equal(modeOf(join(data, 'identity.secret')), '600');
      assert.equal(modeOf(join(data, 'idp', 'client-secret')), '600');
      assert.equal(modeOf(join(data, 'idp', 'provider-keys.json')), '600');
      assert.equal(modeOf(join(data, 'idp')), '700');
    } finally {
      await node.kill();
    }
  });

  test('a client secret file others can read is refused before the node starts, saying how to fix it', async () => {
    const secret = join(root, 'client-secret');
    writeFileSync(secret, 'not-so-secret\n');
    chmodSync(secret, 0o644);
    const result = await runWatan([
      'start',
      '--data',
      join(root, 'prod'),
      '--port',
      '0',
      '--oidc-issuer',
      'https://id.example.gov.pk',
      '--oidc-client-id',
      'messenger',
      '--oidc-client-secret-file',
      secret,
    ]);
    assert.equal(result.code, 1, result.stdout);
    assert.match(result.stderr, /is readable by others \(mode 644\); run: chmod 600/);
    assert.equal(existsSync(join(root, 'prod')), false, 'the data folder was touched');
  });

  test('a provisioned person-hash key must be private and 256 bits', async () => {
    const key = join(root, 'identity.secret');
    writeFileSync(key, 'short\n', { mode: 0o600 });
    const result = await runWatan(['start', '--dev', '--data', join(root, 'short'), '--port', '0', '--identity-secret-file', key]);
    assert.equal(result.code, 1, result.stdout);
    assert.match(result.stderr, /does not hold a 256-bit key/);
  });

  test('--oidc-issuer without its client, or over plain http to another machine, is a usage error', async () => {
    const result = await runWatan(['start', '--data', join(root, 'usage'), '--oidc-issuer', 'https://id.example.gov.pk']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--oidc-issuer needs --oidc-client-id and --oidc-client-secret-file/);
    const secret = join(root, 'private-secret');
    writeFileSync(secret, 'secret\n', { mode: 0o600 });
    const plain = await runWatan([
      'start',
      '--data',
      join(root, 'usage'),
      '--oidc-issuer',
      'http://id.example.gov.pk',
      '--oidc-client-id',
      'messenger',
      '--oidc-client-secret-file',
      secret,
    ]);
    assert.equal(plain.code, 2);
    assert.match(plain.stderr, /--oidc-issuer must use https/);
  });
});
