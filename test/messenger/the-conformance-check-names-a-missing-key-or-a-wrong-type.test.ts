/**
 * The check every end-to-end test runs on its answers (test/fixtures/spec-conformance.ts):
 * it reads the specification's OpenAPI files, finds the endpoint a request reached, and names
 * a missing required key or a wrong type; what the specification does not describe passes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SpecConformance } from '../fixtures/spec-conformance.ts';

const spec = new SpecConformance();
const URL = 'http://localhost:8008';
const ROOM = encodeURIComponent('!room:localhost');

test('a conforming answer passes, on the v3 and the legacy r0 prefix', () => {
  assert.equal(spec.check('GET', `${URL}/_matrix/client/versions`, 200, { versions: ['v1.11'] }), undefined);
  assert.equal(spec.check('GET', `${URL}/_matrix/client/r0/account/whoami`, 200, { user_id: '@a:localhost' }), undefined);
});

test('a missing required key is named', () => {
  assert.match(spec.check('GET', `${URL}/_matrix/client/v3/account/whoami`, 200, {}) ?? '', /must have required property 'user_id'/);
  const event = { type: 'm.room.message', content: {}, sender: '@a:localhost', origin_server_ts: 1 };
  const problems = spec.check('GET', `${URL}/_matrix/client/v3/rooms/${ROOM}/messages`, 200, { start: 's1', chunk: [event] });
  assert.match(problems ?? '', /chunk\/0 must have required property 'event_id'/);
});

test('a wrong type is named', () => {
  assert.match(spec.check('GET', `${URL}/_matrix/client/versions`, 200, { versions: 'v1.11' }) ?? '', /versions must be array/);
  const members = { joined: { '@a:localhost': { display_name: 5 } } };
  assert.match(spec.check('GET', `${URL}/_matrix/client/v3/rooms/${ROOM}/joined_members`, 200, members) ?? '', /display_name/);
});

test('an error needs its errcode; a user-interactive auth step needs its flows', () => {
  assert.match(spec.check('GET', `${URL}/_matrix/client/v3/account/whoami`, 403, { error: 'no' }) ?? '', /required property 'errcode'/);
  assert.equal(
    spec.check('GET', `${URL}/_matrix/client/v3/account/whoami`, 401, { errcode: 'M_MISSING_TOKEN', error: 'sign in' }),
    undefined,
  );
  const step = { flows: [{ stages: ['m.login.dummy'] }], params: {}, session: 'abc' };
  assert.equal(spec.check('POST', `${URL}/_matrix/client/v3/register`, 401, step), undefined);
  assert.match(spec.check('POST', `${URL}/_matrix/client/v3/register`, 401, { flows: 'dummy' }) ?? '', /flows must be array/);
});

test('a success the specification does not list for the endpoint is named', () => {
  assert.match(
    spec.check('GET', `${URL}/_matrix/client/v3/account/whoami`, 201, { user_id: '@a:localhost' }) ?? '',
    /201 is not an answer/,
  );
});

test('the two deliberate deviations pass, and only they', () => {
  const members = { joined: { '@a:localhost': { display_name: null, avatar_url: null } } };
  assert.equal(spec.check('GET', `${URL}/_matrix/client/v3/rooms/${ROOM}/joined_members`, 200, members), undefined);
  assert.equal(spec.check('GET', `${URL}/_matrix/client/v3/voip/turnServer`, 200, {}), undefined);
  assert.match(spec.check('GET', `${URL}/_matrix/client/v3/voip/turnServer`, 200, { uris: [] }) ?? '', /required property 'username'/);
});

test('endpoints the specification does not describe are not judged', () => {
  assert.equal(spec.check('GET', `${URL}/_matrix/client/unstable/org.matrix.msc3814.v1/dehydrated_device`, 200, { any: 1 }), undefined);
});
