import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventMatcher, pickFields, roomAllowed } from '../../src/messenger/filter/index.ts';

const message = { type: 'm.room.message', sender: '@alice:localhost', room_id: '!a:localhost', content: { body: 'hi' } };
const image = { type: 'm.room.message', sender: '@bob:localhost', room_id: '!b:localhost', content: { url: 'mxc://localhost/x' } };
const member = { type: 'm.room.member', sender: '@bob:localhost', room_id: '!a:localhost', content: {} };

test('an absent list allows everything; an empty list allows nothing', () => {
  assert.equal(eventMatcher({})(message), true);
  assert.equal(eventMatcher(undefined)(message), true);
  assert.equal(eventMatcher({ types: [] })(message), false);
  assert.equal(eventMatcher({ senders: [] })(message), false);
});

test('types match with * as a wildcard for any run of characters, and nothing else is special', () => {
  assert.equal(eventMatcher({ types: ['m.room.*'] })(member), true);
  assert.equal(eventMatcher({ types: ['m.*.message'] })(message), true);
  assert.equal(eventMatcher({ types: ['m.room'] })(message), false, 'no prefix match without *');
  assert.equal(eventMatcher({ types: ['m.room.messag.'] })(message), false, 'a dot is a dot, not any character');
});

test('an exclusion wins over an inclusion', () => {
  assert.equal(eventMatcher({ types: ['m.room.*'], not_types: ['m.room.member'] })(member), false);
  assert.equal(eventMatcher({ senders: ['@bob:localhost'], not_senders: ['@bob:localhost'] })(member), false);
  assert.equal(eventMatcher({ rooms: ['!a:localhost'], not_rooms: ['!a:localhost'] })(message), false);
});

test('senders, rooms and contains_url select as named', () => {
  assert.equal(eventMatcher({ senders: ['@alice:localhost'] })(message), true);
  assert.equal(eventMatcher({ senders: ['@alice:localhost'] })(image), false);
  assert.equal(eventMatcher({ rooms: ['!b:localhost'] })(message), false);
  assert.equal(eventMatcher({ contains_url: true })(image), true);
  assert.equal(eventMatcher({ contains_url: true })(message), false);
  assert.equal(eventMatcher({ contains_url: false })(image), false);
  assert.equal(roomAllowed('!a:localhost', { not_rooms: ['!a:localhost'] }), false);
  assert.equal(roomAllowed('!a:localhost', { rooms: ['!b:localhost'] }), false);
  assert.equal(roomAllowed('!a:localhost', undefined), true);
});

test('event_fields keeps the named paths, with \\. for a dot inside a key', () => {
  const event = { type: 'm.room.message', event_id: '$e', content: { body: 'hi', 'm.relates_to': { rel_type: 'm.replace' }, 'a.b': 1 } };
  assert.deepEqual(pickFields(event, ['type', 'content.body']), { type: 'm.room.message', content: { body: 'hi' } });
  assert.deepEqual(pickFields(event, ['content.m\\.relates_to.rel_type']), { content: { 'm.relates_to': { rel_type: 'm.replace' } } });
  assert.deepEqual(pickFields(event, ['content.a\\.b', 'content.missing']), { content: { 'a.b': 1 } });
  assert.equal(pickFields(event, undefined), event);
});
