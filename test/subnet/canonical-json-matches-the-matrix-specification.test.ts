import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CanonicalJsonError, canonicalJson } from '../../src/subnet/index.ts';

// The examples of the Matrix specification, appendices §Canonical JSON.
const SPEC_EXAMPLES: [unknown, string][] = [
  [{}, '{}'],
  [{ one: 1, two: 'Two' }, '{"one":1,"two":"Two"}'],
  [{ b: '2', a: '1' }, '{"a":"1","b":"2"}'],
  [
    {
      auth: {
        success: true,
        mxid: '@john.doe:example.com',
        profile: {
          display_name: 'John Doe',
          three_pids: [
            { medium: 'email', address: 'john.doe@example.org' },
            { medium: 'msisdn', address: '123456789' },
          ],
        },
      },
    },
    '{"auth":{"mxid":"@john.doe:example.com","profile":{"display_name":"John Doe","three_pids":[{"address":"john.doe@example.org","medium":"email"},{"address":"123456789","medium":"msisdn"}]},"success":true}}',
  ],
  [{ a: '日本語' }, '{"a":"日本語"}'],
  [{ 本: 2, 日: 1 }, '{"日":1,"本":2}'],
  [JSON.parse('{"a":"\\u65E5"}'), '{"a":"日"}'],
  [{ a: null }, '{"a":null}'],
  [{ a: -0, b: 1e10 }, '{"a":0,"b":10000000000}'],
];

test('every canonical JSON example in the specification encodes exactly as it says', () => {
  for (const [input, expected] of SPEC_EXAMPLES) assert.equal(canonicalJson(input), expected);
});

test('keys sort by code point, so astral characters come after the private use area', () => {
  assert.equal(canonicalJson({ '\u{1F600}': 1, '\uE000': 2 }), '{"\uE000":2,"\u{1F600}":1}');
});

test('control characters use the short escapes the grammar allows, and nothing else is escaped', () => {
  assert.equal(canonicalJson({ s: '\b\t\n\f\r"\\\u0001\u001f/é' }), '{"s":"\\b\\t\\n\\f\\r\\"\\\\\\u0001\\u001f/é"}');
});

test('floats, unsafe integers and non-JSON values are refused with the path that holds them', () => {
  assert.throws(
    () => canonicalJson({ a: { b: 1.5 } }),
    (e: unknown) => e instanceof CanonicalJsonError && /\.a\.b is 1\.5/.test(e.message),
  );
  assert.throws(() => canonicalJson({ n: 2 ** 53 }), CanonicalJsonError);
  assert.throws(() => canonicalJson({ n: Number.NaN }), CanonicalJsonError);
  assert.throws(() => canonicalJson({ f: () => 1 }), CanonicalJsonError);
  assert.throws(() => canonicalJson({ d: new Date(0) }), /not a plain JSON object/);
  // biome-ignore lint/suspicious/noSparseArray: the hole is the point
  assert.throws(() => canonicalJson([, 1]), /\[0\] is empty or undefined/);
  assert.throws(() => canonicalJson([undefined]), CanonicalJsonError);
});

test('undefined members are left out, as JSON.stringify leaves them out', () => {
  assert.equal(canonicalJson({ a: undefined, b: 1 }), '{"b":1}');
});
