import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  Base64Error,
  decodeBase64,
  decodeBase64Url,
  encodeUnpaddedBase64,
  encodeUnpaddedBase64Url,
} from '../../src/messenger/events/index.ts';

// Appendices §Unpadded Base64.
const APPENDIX_EXAMPLES: [string, string][] = [
  ['', ''],
  ['f', 'Zg'],
  ['fo', 'Zm8'],
  ['foo', 'Zm9v'],
  ['foob', 'Zm9vYg'],
  ['fooba', 'Zm9vYmE'],
  ['foobar', 'Zm9vYmFy'],
];

test('every unpadded Base64 example in the appendix encodes and decodes as it says', () => {
  for (const [plain, encoded] of APPENDIX_EXAMPLES) {
    assert.equal(encodeUnpaddedBase64(Buffer.from(plain)), encoded);
    assert.equal(decodeBase64(encoded).toString(), plain);
    assert.equal(encodeUnpaddedBase64Url(Buffer.from(plain)), encoded, 'no 62nd or 63rd character: both alphabets agree');
  }
});

test('decoding accepts input with or without padding, as the appendix asks', () => {
  assert.equal(decodeBase64('Zg==').toString(), 'f');
  assert.equal(decodeBase64('Zm8=').toString(), 'fo');
  assert.equal(decodeBase64Url('Zg==').toString(), 'f');
});

test('the standard alphabet uses + and / where the URL-safe one uses - and _', () => {
  const bytes = Buffer.from([0xfb, 0xff, 0xbf]);
  assert.equal(encodeUnpaddedBase64(bytes), '+/+/');
  assert.equal(encodeUnpaddedBase64Url(bytes), '-_-_');
  assert.deepEqual(decodeBase64('+/+/'), bytes);
  assert.deepEqual(decodeBase64Url('-_-_'), bytes);
});

test('each decoder refuses the other alphabet instead of silently dropping characters', () => {
  assert.throws(() => decodeBase64('-_-_'), Base64Error);
  assert.throws(() => decodeBase64Url('+/+/'), Base64Error);
  assert.throws(() => decodeBase64('Zm9v YmFy'), Base64Error);
});

test('decoding refuses lengths no byte string encodes to and padding in the wrong amount', () => {
  assert.throws(() => decodeBase64('Zm9vY'), /4n\+1/);
  assert.throws(() => decodeBase64('Zg='), Base64Error);
  assert.throws(() => decodeBase64('Zm9v='), Base64Error);
  assert.throws(() => decodeBase64('Z==='), Base64Error);
});

test('encoding works on a view into a larger buffer without reading outside it', () => {
  const whole = Buffer.from('xxfooxx');
  assert.equal(encodeUnpaddedBase64(whole.subarray(2, 5)), 'Zm9v');
  assert.equal(encodeUnpaddedBase64(new Uint8Array(whole.buffer, whole.byteOffset + 2, 3)), 'Zm9v');
});
