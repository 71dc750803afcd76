import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type AuthEvent, authEventSlots, authEventsFor, type EventDraft, stateMapKey } from '../../src/messenger/rooms/index.ts';

// Server-server API §Auth events selection: which state events an event's auth_events names.

const ALICE = '@alice:example.org';
const BOB = '@bob:example.org';

function stateEvent(type: string, stateKey: string, content: Record<string, unknown>): AuthEvent {
  return {
    event_id: `$${type}/${stateKey}`,
    room_id: '!room:example.org',
    type,
    state_key: stateKey,
    sender: ALICE,
    content,
    prev_events: [],
    auth_events: [],
  };
}

const roomState = new Map(
  [
    stateEvent('m.room.create', '', { room_version: '11' }),
    stateEvent('m.room.member', ALICE, { membership: 'join' }),
    stateEvent('m.room.power_levels', '', { users: { [ALICE]: 100 } }),
    stateEvent('m.room.join_rules', '', { join_rule: 'restricted' }),
    stateEvent('m.room.member', BOB, { membership: 'invite' }),
    stateEvent('m.room.third_party_invite', 'tok', { public_key: 'AAAA' }),
    stateEvent('m.room.name', '', { name: 'Not an auth event' }),
  ].map((event) => [stateMapKey(event.type, event.state_key ?? ''), event]),
);

const idsFor = (event: EventDraft) => authEventsFor(event, roomState).map((authEvent) => authEvent.event_id);
const member = (sender: string, target: string, content: Record<string, unknown>): EventDraft => ({
  type: 'm.room.member',
  sender,
  state_key: target,
  content,
});

test('m.room.create has no auth events', () => {
  assert.deepEqual(authEventSlots({ type: 'm.room.create', sender: ALICE, state_key: '', content: {} }), []);
});

test('any other event names the create event, the power levels and the sender’s membership, and nothing else', () => {
  assert.deepEqual(idsFor({ type: 'm.room.message', sender: ALICE, content: { body: 'hi' } }), [
    '$m.room.create/',
    '$m.room.power_levels/',
    `$m.room.member/${ALICE}`,
  ]);
  assert.deepEqual(idsFor({ type: 'm.room.name', sender: ALICE, state_key: '', content: { name: 'x' } }), [
    '$m.room.create/',
    '$m.room.power_levels/',
    `$m.room.member/${ALICE}`,
  ]);
});

test('slots the room has no event in are left out', () => {
  assert.deepEqual(idsFor({ type: 'm.room.message', sender: '@carol:example.org', content: {} }), [
    '$m.room.create/',
    '$m.room.power_levels/',
  ]);
});

test('a join names the joining user’s membership once, and the join rules', () => {
  assert.deepEqual(idsFor(member(BOB, BOB, { membership: 'join' })), [
    '$m.room.create/',
    '$m.room.power_levels/',
    `$m.room.member/${BOB}`,
    '$m.room.join_rules/',
  ]);
});

test('an invite and a knock name the join rules; a leave and a ban do not', () => {
  assert.ok(idsFor(member(ALICE, BOB, { membership: 'invite' })).includes('$m.room.join_rules/'));
  assert.ok(idsFor(member(BOB, BOB, { membership: 'knock' })).includes('$m.room.join_rules/'));
  assert.ok(!idsFor(member(BOB, BOB, { membership: 'leave' })).includes('$m.room.join_rules/'));
  assert.ok(!idsFor(member(ALICE, BOB, { membership: 'ban' })).includes('$m.room.join_rules/'));
});

test('completing a third-party invite names the m.room.third_party_invite of its token', () => {
  const ids = idsFor(member(ALICE, BOB, { membership: 'invite', third_party_invite: { signed: { mxid: BOB, token: 'tok' } } }));
  assert.ok(ids.includes('$m.room.third_party_invite/tok'));
});

test('a restricted join names the membership of the user who authorised it', () => {
  const ids = idsFor(member(BOB, BOB, { membership: 'join', join_authorised_via_users_server: ALICE }));
  assert.deepEqual(ids, [
    '$m.room.create/',
    '$m.room.power_levels/',
    `$m.room.member/${BOB}`,
    '$m.room.join_rules/',
    `$m.room.member/${ALICE}`,
  ]);
});

test('a state map entry filed under the wrong key is not selected', () => {
  const misfiled = new Map(roomState);
  misfiled.set(stateMapKey('m.room.power_levels', ''), stateEvent('m.room.name', '', {}));
  assert.ok(!authEventsFor({ type: 'm.room.message', sender: ALICE, content: {} }, misfiled).some((event) => event.type === 'm.room.name'));
});
