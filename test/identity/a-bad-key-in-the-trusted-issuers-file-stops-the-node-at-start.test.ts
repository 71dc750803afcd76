/**
 * The trusted issuers' keys are checked when the file is read: a key that cannot verify ES256
 * stops the node at start, with one line naming the file and the key, instead of every
 * registration failing later.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runWatan } from '../cli/run-watan.ts';

const ISSUER = 'https://issuer.test.invalid';

describe('a bad key in the trusted issuers file stops the node at start', { timeout: 120_000 }, () => {
  let root: string;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'watan-issuers-file-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const good = { ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }), kid: 'good' };
  const cases: { name: string; key: unknown; says: RegExp }[] = [
    {
      name: 'a coordinate that is not on the curve',
      key: { ...good, kid: 'broken', x: 'AAAA' },
      says: /key 2 \(kid "broken"\) .* not a valid P-256 public key/,
    },
    {
      name: 'an RSA key',
      key: { ...generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' }), kid: 'rsa' },
      says: /key 2 \(kid "rsa"\) .* kty RSA .* only EC P-256/,
    },
    {
      name: 'a private key',
      key: { ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }) },
      says: /key 2 .* is a private key/,
    },
    { name: 'a string', key: 'not a key', says: /key 2 .* is not a JWK/ },
  ];

  for (const { name, key, says } of cases) {
    test(`${name}: exit 1 with a one-line reason naming the file and the key`, async () => {
      const file = join(root, `${name.replaceAll(' ', '-')}.json`);
      await writeFile(file, JSON.stringify({ issuers: [{ issuer: ISSUER, keys: [good, key] }] }));
      const result = await runWatan(['start', '--dev', '--data', join(root, 'node'), '--port', '0', '--trusted-issuers-file', file]);
      assert.equal(result.code, 1, `${result.stdout}\n${result.stderr}`);
      const reason = result.stderr.trim();
      assert.equal(reason.split('\n').length, 1, `one line: ${reason}`);
      assert.ok(reason.includes(file), `names the file: ${reason}`);
      assert.match(reason, says);
      assert.match(reason, new RegExp(`of issuer ${ISSUER.replaceAll('.', '\\.')}`));
    });
  }
});
