import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type JsonObject, type Pdu, REDACTION_KEPT_KEYS, redact } from '../../src/messenger/events/index.ts';

// rooms/v11 §Redactions, fragment v11-redactions.

const SIGNED_INVITE = {
  mxid: '@carol:example.org',
  token: 'abc123',
  signatures: { 'id.example.org': { 'ed25519:0': 'c2ln' } },
};

/** An event with every key v11 keeps, and the keys earlier versions kept but v11 does not. */
function fullEvent(type: string, content: JsonObject): Record<string, unknown> {
  return {
    auth_events: ['$auth'],
    content,
    depth: 7,
    event_id: '$event',
    hashes: { sha256: 'aGFzaA' },
    origin_server_ts: 1700000000000,
    prev_events: ['$prev'],
    room_id: '!room:example.org',
    sender: '@alice:example.org',
    signatures: { 'example.org': { 'ed25519:a': 'c2ln' } },
    state_key: '',
    type,
    // Not kept in room version 11:
    origin: 'example.org',
    membership: 'join',
    prev_state: [],
    redacts: '$target',
    unsigned: { age: 5 },
    age_ts: 1700000000000,
    custom_key: 'anything',
  };
}

const CONTENT_CASES: { type: string; content: JsonObject; kept: JsonObject; why: string }[] = [
  {
    type: 'm.room.member',
    content: {
      membership: 'invite',
      join_authorised_via_users_server: '@bob:example.org',
      displayname: 'Carol',
      avatar_url: 'mxc://example.org/abc',
      reason: 'welcome',
      is_direct: true,
      third_party_invite: { display_name: 'carol@example.org', signed: SIGNED_INVITE },
    },
    kept: { membership: 'invite', join_authorised_via_users_server: '@bob:example.org', third_party_invite: { signed: SIGNED_INVITE } },
    why: 'membership, join_authorised_via_users_server, and only the signed key of third_party_invite',
  },
  {
    type: 'm.room.member',
    content: { membership: 'invite', third_party_invite: { display_name: 'carol@example.org' } },
    kept: { membership: 'invite', third_party_invite: {} },
    why: 'third_party_invite is no longer redacted itself; without signed it is left empty',
  },
  {
    type: 'm.room.member',
    content: { membership: 'join', third_party_invite: 'not an object' },
    kept: { membership: 'join' },
    why: 'a third_party_invite that is not an object has no signed key to keep',
  },
  {
    type: 'm.room.create',
    content: {
      room_version: '11',
      'm.federate': false,
      predecessor: { room_id: '!old:example.org', event_id: '$old' },
      type: 'm.space',
      anything_else: { nested: [1, 2, 3] },
    },
    kept: {
      room_version: '11',
      'm.federate': false,
      predecessor: { room_id: '!old:example.org', event_id: '$old' },
      type: 'm.space',
      anything_else: { nested: [1, 2, 3] },
    },
    why: 'all of the content',
  },
  {
    type: 'm.room.join_rules',
    content: { join_rule: 'restricted', allow: [{ type: 'm.room_membership', room_id: '!space:example.org' }], note: 'x' },
    kept: { join_rule: 'restricted', allow: [{ type: 'm.room_membership', room_id: '!space:example.org' }] },
    why: 'join_rule and allow',
  },
  {
    type: 'm.room.power_levels',
    content: {
      ban: 50,
      events: { 'm.room.name': 50 },
      events_default: 0,
      invite: 0,
      kick: 50,
      redact: 50,
      state_default: 50,
      users: { '@alice:example.org': 100 },
      users_default: 0,
      notifications: { room: 50 },
      historical: 100,
    },
    kept: {
      ban: 50,
      events: { 'm.room.name': 50 },
      events_default: 0,
      invite: 0,
      kick: 50,
      redact: 50,
      state_default: 50,
      users: { '@alice:example.org': 100 },
      users_default: 0,
    },
    why: 'the nine listed levels, invite included, but not notifications',
  },
  {
    type: 'm.room.history_visibility',
    content: { history_visibility: 'shared', note: 'x' },
    kept: { history_visibility: 'shared' },
    why: 'history_visibility',
  },
  {
    type: 'm.room.redaction',
    content: { redacts: '$target', reason: 'spam' },
    kept: { redacts: '$target' },
    why: 'redacts, which v11 moved into the content',
  },
  {
    type: 'm.room.aliases',
    content: { aliases: ['#a:example.org'] },
    kept: {},
    why: 'nothing: versions before 6 kept aliases, v11 does not',
  },
  { type: 'm.room.name', content: { name: 'Lobby' }, kept: {}, why: 'nothing: the name is not needed for authorisation' },
  { type: 'm.room.message', content: { body: 'hello', msgtype: 'm.text' }, kept: {}, why: 'nothing' },
  { type: 'com.example.unknown', content: { anything: 'x' }, kept: {}, why: 'nothing: an unknown type keeps no content' },
  { type: 'constructor', content: { membership: 'join' }, kept: {}, why: 'nothing: type names are not looked up on Object.prototype' },
];

test('redaction keeps exactly the twelve top-level keys room version 11 lists', () => {
  assert.deepEqual(
    [...REDACTION_KEPT_KEYS].sort(),
    [
      'auth_events',
      'content',
      'depth',
      'event_id',
      'hashes',
      'origin_server_ts',
      'prev_events',
      'room_id',
      'sender',
      'signatures',
      'state_key',
      'type',
    ].sort(),
  );
  const redacted = redact(fullEvent('m.room.message', { body: 'x' }));
  assert.deepEqual(Object.keys(redacted).sort(), [...REDACTION_KEPT_KEYS].sort());
});

test('redaction drops origin, membership and prev_state, which room version 11 no longer protects', () => {
  const redacted: Record<string, unknown> = redact(fullEvent('m.room.member', { membership: 'join' }));
  for (const key of ['origin', 'membership', 'prev_state', 'redacts', 'unsigned', 'age_ts', 'custom_key']) {
    assert.equal(key in redacted, false, `${key} must not survive redaction`);
  }
});

for (const { type, content, kept, why } of CONTENT_CASES) {
  test(`redacting ${type} keeps ${why}`, () => {
    const redacted = redact(fullEvent(type, content));
    assert.deepEqual(redacted.content, kept);
    assert.equal(redacted.type, type);
  });
}

test('redaction leaves the original event untouched and shares no objects with it', () => {
  const event = fullEvent('m.room.power_levels', { users: { '@alice:example.org': 100 }, ban: 50 });
  const snapshot = structuredClone(event);
  const redacted = redact(event);
  assert.deepEqual(event, snapshot);
  (redacted.content.users as Record<string, number>)['@alice:example.org'] = 0;
  (redacted.signatures as Record<string, unknown>)['example.org'] = {};
  assert.deepEqual(event, snapshot);
});

test('redacting a redacted event changes nothing', () => {
  for (const { type, content } of CONTENT_CASES) {
    const once = redact(fullEvent(type, content));
    assert.deepEqual(redact(once), once);
  }
});

test('a redacted event always has a content object, even when the original had none', () => {
  assert.deepEqual(redact({ type: 'm.room.message' }).content, {});
  assert.deepEqual(redact({ type: 'm.room.create', content: ['not', 'an', 'object'] }).content, {});
  assert.deepEqual(redact({ content: { membership: 'join' } }).content, {}, 'without a type nothing is kept');
});

test('a message event without a state key does not gain one', () => {
  const { state_key: _stateKey, ...message } = fullEvent('m.room.message', {});
  assert.equal('state_key' in redact(message), false);
});

test('a redacted Pdu is still a Pdu, without its unsigned data', () => {
  const pdu: Pdu = {
    auth_events: [],
    content: { membership: 'join', displayname: 'Alice' },
    depth: 1,
    hashes: { sha256: 'aGFzaA' },
    origin_server_ts: 1,
    prev_events: [],
    room_id: '!room:example.org',
    sender: '@alice:example.org',
    signatures: {},
    state_key: '@alice:example.org',
    type: 'm.room.member',
    unsigned: { age: 1 },
  };
  const redacted: Pdu = redact(pdu);
  const { unsigned: _unsigned, ...signedPart } = pdu;
  assert.deepEqual(redacted, { ...signedPart, content: { membership: 'join' } });
});
