import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type AuthEvent,
  isPowerLevel,
  isUserId,
  notificationLevel,
  powerLevelsContentProblem,
  readPowerLevels,
  requiredLevel,
  userLevel,
} from '../../src/messenger/rooms/index.ts';

// Event schema m.room.power_levels: the defaults, and room version 10+ integer power levels.

const ALICE = '@alice:example.org';
const BOB = '@bob:example.org';

function event(type: string, content: Record<string, unknown>, sender = ALICE): AuthEvent {
  return { event_id: `$${type}`, room_id: '!room:example.org', type, state_key: '', sender, content, prev_events: [], auth_events: [] };
}

const create = event('m.room.create', { room_version: '11' });

test('without a power levels event the room creator has 100, everyone else 0, and every level its default', () => {
  const levels = readPowerLevels(undefined, create);
  assert.equal(userLevel(levels, ALICE), 100, 'the creator is the sender of m.room.create');
  assert.equal(userLevel(levels, BOB), 0);
  assert.equal(requiredLevel(levels, 'm.room.name', true), 50);
  assert.equal(requiredLevel(levels, 'm.room.message', false), 0);
  assert.deepEqual([levels.ban, levels.kick, levels.redact, levels.invite], [50, 50, 50, 0]);
});

test('a power levels event that sets nothing reads as the specification’s defaults, and the creator loses their 100', () => {
  const levels = readPowerLevels(event('m.room.power_levels', {}), create);
  assert.deepEqual(
    [levels.users_default, levels.events_default, levels.state_default, levels.ban, levels.kick, levels.redact, levels.invite],
    [0, 0, 50, 50, 50, 50, 0],
  );
  assert.equal(userLevel(levels, ALICE), 0, 'only the absence of a power levels event gives the creator 100');
  assert.equal(notificationLevel(levels, 'room'), 50);
});

test('explicit levels override the defaults, and an events entry overrides state_default and events_default', () => {
  const content = {
    users_default: 5,
    events_default: 10,
    state_default: 60,
    ban: 70,
    kick: 65,
    redact: 40,
    invite: 20,
    users: { [ALICE]: 100 },
    events: { 'm.room.topic': 15, 'm.reaction': 30 },
    notifications: { room: 80 },
  };
  const levels = readPowerLevels(event('m.room.power_levels', content), create);
  assert.equal(userLevel(levels, ALICE), 100);
  assert.equal(userLevel(levels, BOB), 5, 'users_default');
  assert.equal(requiredLevel(levels, 'm.room.topic', true), 15);
  assert.equal(requiredLevel(levels, 'm.room.name', true), 60);
  assert.equal(requiredLevel(levels, 'm.reaction', false), 30);
  assert.equal(requiredLevel(levels, 'm.room.message', false), 10);
  assert.deepEqual([levels.ban, levels.kick, levels.redact, levels.invite], [70, 65, 40, 20]);
  assert.equal(notificationLevel(levels, 'room'), 80);
});

test('a level that is not an integer is read as absent, never as a number', () => {
  const levels = readPowerLevels(
    event('m.room.power_levels', { ban: '10', users: { [BOB]: '100' }, events: { 'm.room.name': 1.5 } }),
    create,
  );
  assert.equal(levels.ban, 50);
  assert.equal(userLevel(levels, BOB), 0);
  assert.equal(requiredLevel(levels, 'm.room.name', true), 50);
});

test('a user named __proto__ or a key inherited from Object.prototype is not a power level', () => {
  const content = JSON.parse('{"users": {"__proto__": 100}}') as Record<string, unknown>;
  const levels = readPowerLevels(event('m.room.power_levels', content), create);
  assert.equal(userLevel(levels, 'toString'), 0);
  assert.equal(userLevel(levels, '__proto__'), 100, 'an own key from JSON is an entry like any other');
});

test('power levels are integers in canonical JSON’s range and nothing else', () => {
  for (const value of [0, -5, 100, 2 ** 53 - 1, -(2 ** 53) + 1]) assert.equal(isPowerLevel(value), true, String(value));
  for (const value of ['50', 50.5, 2 ** 53, Number.NaN, Number.POSITIVE_INFINITY, null, true, [50]]) {
    assert.equal(isPowerLevel(value), false, JSON.stringify(value));
  }
});

test('power levels content may leave out users, events and notifications', () => {
  assert.equal(powerLevelsContentProblem({}), undefined);
  assert.equal(powerLevelsContentProblem({ ban: 50, users: {}, events: {}, notifications: {} }), undefined);
});

test('users in power levels must be keyed by user IDs, historical localparts included', () => {
  assert.equal(powerLevelsContentProblem({ users: { '@Old.Style!:example.org': 10, '@bob:[::1]:8448': 10 } }), undefined);
  assert.match(powerLevelsContentProblem({ users: { '@bob': 10 } }) ?? '', /"@bob", which is not a valid user ID/);
  assert.match(powerLevelsContentProblem({ users: { '@bob:exa mple.org': 10 } }) ?? '', /not a valid user ID/);
  assert.match(
    powerLevelsContentProblem({ users: null }) ?? '',
    /users in the power levels must be an object of user IDs to integers, but it is null/,
  );
});

test('user IDs are an @, a localpart without a colon, a colon and a server name, within 255 bytes', () => {
  assert.equal(isUserId(ALICE), true);
  assert.equal(isUserId('@alice:1.2.3.4:8448'), true);
  assert.equal(isUserId('alice:example.org'), false);
  assert.equal(isUserId('@alice:'), false);
  assert.equal(isUserId(`@${'a'.repeat(250)}:example.org`), false);
  assert.equal(isUserId(42), false);
});
