import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Pdu, toClientEvent } from '../../src/messenger/events/index.ts';

function pdu(overrides: Partial<Pdu>): Pdu {
  return {
    auth_events: ['$auth'],
    content: { body: 'hello', msgtype: 'm.text' },
    depth: 4,
    hashes: { sha256: 'aGFzaA' },
    origin_server_ts: 1700000000000,
    prev_events: ['$prev'],
    room_id: '!room:example.org',
    sender: '@alice:example.org',
    signatures: { 'example.org': { 'ed25519:a': 'c2ln' } },
    type: 'm.room.message',
    ...overrides,
  };
}

test('a client event carries the id, room, sender, type, content and timestamp, and none of the federation fields', () => {
  assert.deepEqual(toClientEvent(pdu({}), '$id'), {
    content: { body: 'hello', msgtype: 'm.text' },
    event_id: '$id',
    origin_server_ts: 1700000000000,
    room_id: '!room:example.org',
    sender: '@alice:example.org',
    type: 'm.room.message',
  });
});

test('a state event keeps its state key, even an empty one, and unsigned data is passed through when given', () => {
  const event = toClientEvent(pdu({ type: 'm.room.name', state_key: '', content: { name: 'Lobby' } }), '$id', { age: 12 });
  assert.equal(event.state_key, '');
  assert.deepEqual(event.unsigned, { age: 12 });
});

test('the unsigned data of the PDU is not what clients see unless it is passed in', () => {
  assert.equal('unsigned' in toClientEvent(pdu({ unsigned: { age: 5 } }), '$id'), false);
});

test('a redaction also carries redacts at the top level for older clients, as room version 11 asks', () => {
  const event = toClientEvent(pdu({ type: 'm.room.redaction', content: { redacts: '$target', reason: 'spam' } }), '$id');
  assert.equal(event.redacts, '$target');
  assert.deepEqual(event.content, { redacts: '$target', reason: 'spam' });
  assert.equal('redacts' in toClientEvent(pdu({ content: { redacts: '$target' } }), '$id'), false, 'only for m.room.redaction');
});
