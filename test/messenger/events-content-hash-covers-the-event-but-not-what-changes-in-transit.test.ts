import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contentHash, type Pdu, verifyContentHash, withContentHash } from '../../src/messenger/events/index.ts';
import { CanonicalJsonError } from '../../src/subnet/index.ts';

function message(): Pdu {
  return {
    auth_events: ['$create_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'],
    content: { body: 'hello', msgtype: 'm.text' },
    depth: 4,
    hashes: { sha256: '' },
    origin_server_ts: 1700000000000,
    prev_events: ['$prev_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'],
    room_id: '!room:example.org',
    sender: '@alice:example.org',
    signatures: {},
    type: 'm.room.message',
  };
}

test('the content hash ignores unsigned, signatures and hashes', () => {
  const base = message();
  const before = contentHash(base);
  assert.equal(contentHash({ ...base, unsigned: { age: 1234, transaction_id: 'txn1' } }), before);
  assert.equal(contentHash({ ...base, signatures: { 'example.org': { 'ed25519:a': 'c2lnbmF0dXJl' } } }), before);
  assert.equal(contentHash({ ...base, hashes: { sha256: 'anything' } }), before);
});

test('the content hash covers the unredacted content and every other key, even ones the Pdu type does not name', () => {
  const base = message();
  const before = contentHash(base);
  assert.notEqual(contentHash({ ...base, content: { body: 'hello!', msgtype: 'm.text' } }), before);
  assert.notEqual(contentHash({ ...base, depth: 5 }), before);
  assert.notEqual(contentHash({ ...base, origin: 'example.org' }), before);
});

test('the content hash does not depend on the order keys were written in', () => {
  const base = message();
  const reversed = Object.fromEntries(Object.entries(base).reverse());
  assert.equal(contentHash(reversed), contentHash(base));
});

test('withContentHash stores the hash under hashes.sha256 and verifyContentHash accepts it', () => {
  const hashed = withContentHash(message());
  assert.match(hashed.hashes.sha256, /^[A-Za-z0-9+/]{43}$/);
  assert.equal(verifyContentHash(hashed), true);
});

test('withContentHash leaves its input untouched and keeps other hash algorithms', () => {
  const original = { ...message(), hashes: { sha256: 'old', sha512: 'future' } };
  const hashed = withContentHash(original);
  assert.equal(original.hashes.sha256, 'old');
  assert.equal(hashed.hashes.sha512, 'future');
  assert.notEqual(hashed.hashes.sha256, 'old');
});

test('verifyContentHash fails when the content changed after hashing, as for a redacted copy', () => {
  const hashed = withContentHash(message());
  assert.equal(verifyContentHash({ ...hashed, content: {} }), false);
  assert.equal(verifyContentHash({ ...hashed, unsigned: { age: 9 } }), true);
});

test('verifyContentHash fails rather than throws when the hash is missing, not a string, or not Base64', () => {
  const hashed = withContentHash(message());
  const { hashes: _hashes, ...withoutHashes } = hashed;
  assert.equal(verifyContentHash(withoutHashes), false);
  assert.equal(verifyContentHash({ ...hashed, hashes: { sha256: 42 } }), false);
  assert.equal(verifyContentHash({ ...hashed, hashes: { sha256: 'not base64!' } }), false);
  assert.equal(verifyContentHash({ ...hashed, hashes: { sha256: `${hashed.hashes.sha256}AA` } }), false);
});

test('verifyContentHash compares decoded bytes, so a padded encoding of the right hash also verifies', () => {
  const hashed = withContentHash(message());
  assert.equal(verifyContentHash({ ...hashed, hashes: { sha256: `${hashed.hashes.sha256}=` } }), true);
});

test('an event holding a value canonical JSON cannot encode is refused with CanonicalJsonError', () => {
  assert.throws(() => contentHash({ ...message(), depth: 1.5 }), CanonicalJsonError);
  assert.throws(() => contentHash({ ...message(), origin_server_ts: 2 ** 53 }), CanonicalJsonError);
});

test('a key named __proto__ is hashed as a key, not lost as a prototype', () => {
  const withProto = JSON.parse('{"type":"m.room.message","content":{},"__proto__":{"x":1}}');
  const without = JSON.parse('{"type":"m.room.message","content":{}}');
  assert.notEqual(contentHash(withProto), contentHash(without));
});
