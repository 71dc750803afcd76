import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  EventIdError,
  encodeUnpaddedBase64Url,
  eventIdOf,
  type Pdu,
  parseEventId,
  referenceHash,
  withContentHash,
} from '../../src/messenger/events/index.ts';

// rooms/v4 §Event IDs (unchanged in v11) and server-server API §Calculating the reference hash.

function pdu(type: string, content: Pdu['content'], stateKey?: string): Pdu {
  const event: Pdu = {
    auth_events: ['$create_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'],
    content,
    depth: 4,
    hashes: { sha256: '' },
    origin_server_ts: 1700000000000,
    prev_events: ['$prev_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'],
    room_id: '!room:example.org',
    sender: '@alice:example.org',
    signatures: {},
    type,
  };
  if (stateKey !== undefined) event.state_key = stateKey;
  return withContentHash(event);
}

const member = () => pdu('m.room.member', { membership: 'join', displayname: 'Alice' }, '@alice:example.org');
const message = () => pdu('m.room.message', { body: 'hello', msgtype: 'm.text' });

test('an event id is "$" and the URL-safe unpadded Base64 of the 32-byte reference hash', () => {
  const event = member();
  const hash = referenceHash(event);
  assert.equal(hash.length, 32);
  const id = eventIdOf(event);
  assert.equal(id, `$${encodeUnpaddedBase64Url(hash)}`);
  assert.match(id, /^\$[A-Za-z0-9_-]{43}$/);
  assert.equal(parseEventId(id).ok, true);
});

test('the event id does not change when unsigned or signatures change', () => {
  const event = member();
  const id = eventIdOf(event);
  assert.equal(eventIdOf({ ...event, unsigned: { age: 99, prev_content: { membership: 'invite' } } }), id);
  assert.equal(eventIdOf({ ...event, signatures: { 'example.org': { 'ed25519:a': 'c2lnbmF0dXJl' } } }), id);
  assert.equal(eventIdOf({ ...event, age_ts: 12345 }), id, 'age_ts is removed, as the reference hash algorithm says');
});

test('the event id does not depend on the order keys were written in', () => {
  const event = member();
  assert.equal(eventIdOf(Object.fromEntries(Object.entries(event).reverse())), eventIdOf(event));
});

test('the event id changes when content that survives redaction changes, such as a membership', () => {
  const event = member();
  const left = { ...event, content: { ...event.content, membership: 'leave' } };
  assert.notEqual(eventIdOf(left), eventIdOf(event), 'even with the old content hash');
  assert.notEqual(eventIdOf(withContentHash(left)), eventIdOf(event));
});

test('content that redaction removes reaches the event id only through the content hash', () => {
  const event = message();
  const edited = { ...event, content: { body: 'goodbye', msgtype: 'm.text' } };
  // The reference hash covers the redacted event: a message body is not in it...
  assert.equal(eventIdOf(edited), eventIdOf(event), 'with hashes unchanged, a different body gives the same id');
  // ...but `hashes` survives redaction, and an honest content hash covers the body.
  assert.notEqual(eventIdOf(withContentHash(edited)), eventIdOf(event));
});

test('the event id changes when the content hash, the depth or the prev_events change', () => {
  const event = message();
  const id = eventIdOf(event);
  assert.notEqual(eventIdOf({ ...event, hashes: { sha256: 'AAAA' } }), id);
  assert.notEqual(eventIdOf({ ...event, depth: 5 }), id);
  assert.notEqual(eventIdOf({ ...event, prev_events: [] }), id);
});

test('a top-level origin from an older server does not change a room version 11 event id', () => {
  const event = message();
  assert.equal(eventIdOf({ ...event, origin: 'example.org' }), eventIdOf(event));
});

test('eventIdOf refuses an event that already carries an event_id, which would be hashed into its own id', () => {
  const event = message();
  assert.throws(() => eventIdOf({ ...event, event_id: eventIdOf(event) }), EventIdError);
  assert.doesNotThrow(() => referenceHash({ ...event, event_id: '$x' }), 'referenceHash follows the algorithm literally');
});
