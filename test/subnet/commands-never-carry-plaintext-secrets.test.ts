import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { assertNoPlaintextSecrets, coreApps, InvalidCommandError, Subnet } from '../../src/subnet/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'watan-secret-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('arguments named like a plaintext secret are refused at the door, wherever they are nested', () => {
  for (const args of [
    { password: 'hunter2' },
    { auth: { access_token: 'syt_abc' } },
    { list: [{ refresh_token: 'r' }] },
    { pin: '1234' },
  ]) {
    assert.throws(
      () => assertNoPlaintextSecrets(args, 'args'),
      (e: unknown) => e instanceof InvalidCommandError && /_hash/.test(e.message),
    );
  }
});

test('hashed secrets and ordinary fields pass', () => {
  assert.doesNotThrow(() =>
    assertNoPlaintextSecrets({ password_hash: '$scrypt$...', token_hash: 'ab12', tokens_used: 3, username: 'alice' }, 'args'),
  );
});

test('a subnet refuses a command with a plaintext password, and the password never reaches its files', async () => {
  const subnet = await Subnet.open({ dataDir: dir, apps: coreApps });
  await assert.rejects(
    subnet.submit({
      app: 'kv',
      method: 'put',
      args: { key: 'k', value: 'v', password: 'correct horse battery staple' } as never,
      caller: 'test',
    }),
    InvalidCommandError,
  );
  await subnet.submit({ app: 'kv', method: 'put', args: { key: 'k', value: 'v' }, caller: 'test' });
  await subnet.close();
  for (const file of readdirSync(dir)) {
    assert.equal(readFileSync(join(dir, file)).includes('correct horse battery staple'), false, `${file} holds the password`);
  }
});
