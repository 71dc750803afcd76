import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { coreApps, dataFiles, KeyFileError, loadOrCreateSigningKey, Subnet, verifySignature } from '../../src/subnet/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'watan-keys-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a node creates its ed25519 key on first start as a file only its owner can read', async () => {
  const subnet = await Subnet.open({ dataDir: dir, apps: coreApps });
  const id = subnet.nodeKey.id;
  await subnet.close();
  assert.equal(statSync(dataFiles(dir).nodeKey).mode & 0o777, 0o600);
  const again = await Subnet.open({ dataDir: dir, apps: coreApps });
  assert.equal(again.nodeKey.id, id, 'the same key is loaded on the next start');
  await again.close();
});

test('signatures made with the key verify under its id, and not for other bytes', () => {
  const key = loadOrCreateSigningKey(join(dir, 'other.key'));
  const signature = key.sign(Buffer.from('checkpoint'));
  assert.equal(verifySignature(key.id, Buffer.from('checkpoint'), signature), true);
  assert.equal(verifySignature(key.id, Buffer.from('checkpoinT'), signature), false);
  assert.equal(verifySignature('not-a-key', Buffer.from('checkpoint'), signature), false);
});

test('a key file others can read is refused with the command that fixes it', () => {
  const path = join(dir, 'loose.key');
  loadOrCreateSigningKey(path);
  chmodSync(path, 0o644);
  assert.throws(
    () => loadOrCreateSigningKey(path),
    (e: unknown) => e instanceof KeyFileError && e.message.includes(`chmod 600 ${path}`),
  );
});
