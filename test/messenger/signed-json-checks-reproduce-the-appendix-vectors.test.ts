/**
 * The signature check the executor runs on uploaded keys (appendix "Signing JSON"), against
 * the appendix's own test vectors, and against everything a forger could try.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { test } from 'node:test';
import { hasValidSignature } from '../../src/messenger/app/index.ts';
import { decodeBase64 } from '../../src/messenger/events/index.ts';
import { newSigner, signedBy } from '../fixtures/signed-keys.ts';

// Appendices §Cryptographic Test Vectors: the key made from this seed, as server `domain`, key `ed25519:1`.
const SEED = 'YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1';
const PUBLIC_KEY = (() => {
  const pkcs8Prefix = Buffer.from('302e020100300506032b657004220420', 'hex');
  const privateKey = createPrivateKey({ key: Buffer.concat([pkcs8Prefix, decodeBase64(SEED)]), format: 'der', type: 'pkcs8' });
  const raw = Buffer.from(createPublicKey(privateKey).export({ format: 'jwk' }).x as string, 'base64url');
  return raw.toString('base64').replace(/=+$/, '');
})();

test('the appendix’s signed empty object and signed object with values verify', () => {
  const empty = {
    signatures: { domain: { 'ed25519:1': 'K8280/U9SSy9IVtjBuVeLr+HpOB4BQFWbg+UZaADMtTdGYI7Geitb76LTrr5QV/7Xg4ahLwYGYZzuHGZKM5ZAQ' } },
  };
  assert.equal(hasValidSignature(empty, 'domain', 'ed25519:1', PUBLIC_KEY), true);
  const values = {
    one: 1,
    signatures: { domain: { 'ed25519:1': 'KqmLSbO39/Bzb0QIYE82zqLwsA+PDzYIpIRA2sRQ4sL53+sN6/fpNSoqE7BP7vBZhG6kYdD13EIMJpvhJI+6Bw' } },
    two: 'Two',
    unsigned: { added: 'in transit, not covered' },
  };
  assert.equal(hasValidSignature(values, 'domain', 'ed25519:1', PUBLIC_KEY), true);
});

test('a changed value, another key, another signer name or a mangled signature does not verify', () => {
  const values = {
    one: 1,
    signatures: { domain: { 'ed25519:1': 'KqmLSbO39/Bzb0QIYE82zqLwsA+PDzYIpIRA2sRQ4sL53+sN6/fpNSoqE7BP7vBZhG6kYdD13EIMJpvhJI+6Bw' } },
    two: 'Two',
  };
  assert.equal(hasValidSignature({ ...values, two: 'Three' }, 'domain', 'ed25519:1', PUBLIC_KEY), false, 'content changed after signing');
  assert.equal(hasValidSignature(values, 'domain', 'ed25519:1', newSigner().publicKey), false, 'checked against another key');
  assert.equal(hasValidSignature(values, 'elsewhere', 'ed25519:1', PUBLIC_KEY), false, 'no signature under that name');
  assert.equal(hasValidSignature(values, 'domain', 'ed25519:2', PUBLIC_KEY), false, 'no signature under that key id');
  const mangled = { ...values, signatures: { domain: { 'ed25519:1': `A${values.signatures.domain['ed25519:1'].slice(1)}` } } };
  assert.equal(hasValidSignature(mangled, 'domain', 'ed25519:1', PUBLIC_KEY), false, 'one character of the signature changed');
  const short = { ...values, signatures: { domain: { 'ed25519:1': 'AAAA' } } };
  assert.equal(hasValidSignature(short, 'domain', 'ed25519:1', PUBLIC_KEY), false, 'a signature of the wrong length');
  assert.equal(hasValidSignature(values, 'domain', 'ed25519:1', 'not a key'), false, 'a public key that is not one');
});

test('a forger’s own key signing someone else’s object does not pass as theirs; content JSON cannot hold never verifies', () => {
  const owner = newSigner();
  const forger = newSigner();
  const object = { user_id: '@alice:localhost', device_id: 'DEV', keys: { 'ed25519:DEV': owner.publicKey } };
  assert.equal(
    hasValidSignature(signedBy(object, '@alice:localhost', 'ed25519:DEV', owner), '@alice:localhost', 'ed25519:DEV', owner.publicKey),
    true,
  );
  assert.equal(
    hasValidSignature(signedBy(object, '@alice:localhost', 'ed25519:DEV', forger), '@alice:localhost', 'ed25519:DEV', owner.publicKey),
    false,
  );
  const float = { ...signedBy(object, '@alice:localhost', 'ed25519:DEV', owner), ratio: 0.5 };
  assert.equal(hasValidSignature(float, '@alice:localhost', 'ed25519:DEV', owner.publicKey), false);
});
