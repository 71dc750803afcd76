import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, test } from 'node:test';
import { type AuthEvent, authEventsFor, authorize, type RoomState, stateMapKey } from '../../src/messenger/rooms/index.ts';
import { canonicalJsonBytes } from '../../src/subnet/index.ts';

// Room version 11 §Authorisation rules, one row per outcome, in the specification's order.
// Every room here starts as: @alice:example.org created it, joined, and holds power level 100.

const ALICE = '@alice:example.org';
const BOB = '@bob:example.org';
const CAROL = '@carol:example.org';
const DAVE = '@dave:example.org';
const MALLORY = '@mallory:elsewhere.example';
const ROOM = '!room:example.org';

type Content = Record<string, unknown>;
type Draft = {
  type: string;
  sender: string;
  state_key?: string;
  content: Content;
  prev_events?: string[];
  auth_events?: string[];
  room_id?: string;
};

let lastId = 0;
function nextEventId(): string {
  lastId += 1;
  return `$event${lastId}`;
}

/** A state event as the room stores it. */
function stored(draft: Draft): AuthEvent {
  return { event_id: nextEventId(), room_id: ROOM, prev_events: [], auth_events: [], ...draft };
}

function member(userId: string, membership: string, content: Content = {}, sender = userId): AuthEvent {
  return stored({ type: 'm.room.member', sender, state_key: userId, content: { membership, ...content } });
}

function withState(state: RoomState, ...events: AuthEvent[]): Map<string, AuthEvent> {
  const next = new Map(state);
  for (const event of events) next.set(stateMapKey(event.type, event.state_key ?? ''), event);
  return next;
}

type RoomOptions = {
  /** `null`: the room has no m.room.join_rules event. */
  joinRule?: string | null;
  /** Power levels of users besides alice's 100. */
  users?: Record<string, number>;
  /** Other power levels content; `null`: the room has no m.room.power_levels event. */
  powerLevels?: Content | null;
  /** Memberships of users besides alice. */
  members?: Record<string, string>;
  create?: Content;
};

function room(options: RoomOptions = {}): Map<string, AuthEvent> {
  const create = stored({ type: 'm.room.create', sender: ALICE, state_key: '', content: { room_version: '11', ...options.create } });
  let state = withState(new Map(), create, member(ALICE, 'join'));
  if (options.powerLevels !== null) {
    const content = { users: { [ALICE]: 100, ...options.users }, ...options.powerLevels };
    state = withState(state, stored({ type: 'm.room.power_levels', sender: ALICE, state_key: '', content }));
  }
  if (options.joinRule !== null) {
    const joinRule = options.joinRule ?? 'invite';
    state = withState(state, stored({ type: 'm.room.join_rules', sender: ALICE, state_key: '', content: { join_rule: joinRule } }));
  }
  for (const [userId, membership] of Object.entries(options.members ?? {})) state = withState(state, member(userId, membership));
  return state;
}

function powerLevelsContent(state: RoomState): Content {
  const event = state.get(stateMapKey('m.room.power_levels', ''));
  assert.ok(event, 'the room has power levels');
  return structuredClone(event.content) as Content;
}

/** The event a server would build: its auth_events are the ones the selection picks. */
function propose(state: RoomState, draft: Draft): AuthEvent {
  return {
    event_id: '$proposed',
    room_id: ROOM,
    prev_events: ['$latest'],
    auth_events: authEventsFor(draft, state).map((event) => event.event_id),
    ...draft,
  };
}

type Row = { name: string; state: () => RoomState; event: Draft | ((state: RoomState) => Draft) } & (
  | { allowed: true }
  | { refused: RegExp }
);

function verdictOf(row: Row, state: RoomState) {
  const draft = typeof row.event === 'function' ? row.event(state) : row.event;
  return authorize(propose(state, draft), state);
}

const allRows: Row[] = [];

function rows(title: string, table: Row[]): void {
  allRows.push(...table);
  describe(title, () => {
    for (const row of table) {
      test(row.name, () => {
        const verdict = verdictOf(row, row.state());
        if ('allowed' in row) {
          assert.deepEqual(verdict, { allowed: true });
        } else {
          assert.equal(verdict.allowed, false, 'the event is refused');
          if (!verdict.allowed) assert.match(verdict.reason, row.refused);
        }
      });
    }
  });
}

const message = (sender: string, body = 'hello'): Draft => ({ type: 'm.room.message', sender, content: { msgtype: 'm.text', body } });
const membership = (sender: string, target: string, value: string, content: Content = {}): Draft => ({
  type: 'm.room.member',
  sender,
  state_key: target,
  content: { membership: value, ...content },
});
const powerLevels = (sender: string, content: Content): Draft => ({ type: 'm.room.power_levels', sender, state_key: '', content });
const empty = () => new Map<string, AuthEvent>();

rows('rule 1: m.room.create', [
  {
    name: 'the m.room.create event is allowed as the first event of a room',
    state: empty,
    event: { type: 'm.room.create', sender: ALICE, state_key: '', content: { room_version: '11' }, prev_events: [] },
    allowed: true,
  },
  {
    name: 'an m.room.create event that follows other events is refused',
    state: room,
    event: { type: 'm.room.create', sender: ALICE, state_key: '', content: { room_version: '11' } },
    refused: /m\.room\.create must be the first event in a room/,
  },
  {
    name: 'a user cannot create a room whose ID is on another server',
    state: empty,
    event: { type: 'm.room.create', sender: MALLORY, state_key: '', content: { room_version: '11' }, prev_events: [] },
    refused: /cannot create !room:example\.org: a room ID must be on its creator's server/,
  },
  {
    name: 'a room of a version this server does not support cannot be created',
    state: empty,
    event: { type: 'm.room.create', sender: ALICE, state_key: '', content: { room_version: '10' }, prev_events: [] },
    refused: /room version "10" is not supported/,
  },
  {
    name: 'a room version written as a number is not a recognised version',
    state: empty,
    event: { type: 'm.room.create', sender: ALICE, state_key: '', content: { room_version: 11 }, prev_events: [] },
    refused: /room version 11 is not supported/,
  },
  {
    name: 'an m.room.create event without room_version passes, as the rule checks only a version that is present',
    state: empty,
    event: { type: 'm.room.create', sender: ALICE, state_key: '', content: {}, prev_events: [] },
    allowed: true,
  },
]);

rows('rule 2: auth_events', [
  {
    name: 'an event whose auth_events lists one event twice is refused',
    state: () => room({ members: { [BOB]: 'join' } }),
    event: (state) => {
      const ids = authEventsFor(message(BOB), state).map((event) => event.event_id);
      return { ...message(BOB), auth_events: [...ids, ids[0] ?? ''] };
    },
    refused: /auth_events lists \$event\d+ twice/,
  },
  {
    name: 'an event whose auth_events lists a state event that does not authorise it is refused',
    state: () => room({ members: { [BOB]: 'join' } }),
    event: (state) => {
      const ids = authEventsFor(message(BOB), state).map((event) => event.event_id);
      const joinRules = state.get(stateMapKey('m.room.join_rules', ''))?.event_id ?? '';
      return { ...message(BOB), auth_events: [...ids, joinRules] };
    },
    refused: /which is not a current state event that can authorise this m\.room\.message event/,
  },
  {
    name: 'an event whose auth_events leaves out the current power levels is refused',
    state: () => room({ members: { [BOB]: 'join' } }),
    event: (state) => {
      const ids = authEventsFor(message(BOB), state)
        .filter((event) => event.type !== 'm.room.power_levels')
        .map((event) => event.event_id);
      return { ...message(BOB), auth_events: ids };
    },
    refused: /auth_events must list the room's current m\.room\.power_levels event/,
  },
  {
    name: 'an event in a room that has no m.room.create event is refused',
    state: () => withState(new Map(), member(ALICE, 'join')),
    event: message(ALICE),
    refused: /the room has no m\.room\.create event/,
  },
  {
    name: 'an event whose auth events belong to another room is refused',
    state: () => room({ members: { [BOB]: 'join' } }),
    event: { ...message(BOB), room_id: '!other:example.org' },
    refused: /belongs to !room:example\.org, not to !other:example\.org/,
  },
]);

rows('rule 3: m.federate', [
  {
    name: 'a user of another server cannot take part in a room created with m.federate false',
    state: () => room({ joinRule: 'public', create: { 'm.federate': false } }),
    event: membership(MALLORY, MALLORY, 'join'),
    refused: /this room does not federate: only users on example\.org can take part/,
  },
  {
    name: 'a user of the creator’s server can join a public room created with m.federate false',
    state: () => room({ joinRule: 'public', create: { 'm.federate': false } }),
    event: membership(BOB, BOB, 'join'),
    allowed: true,
  },
]);

rows('rule 4: m.room.member, shape and join_authorised_via_users_server', [
  {
    name: 'a membership event without a state key is refused',
    state: () => room({ joinRule: 'public' }),
    event: { type: 'm.room.member', sender: BOB, content: { membership: 'join' } },
    refused: /needs a state_key naming the user it is about/,
  },
  {
    name: 'a membership event without a membership is refused',
    state: () => room({ joinRule: 'public' }),
    event: { type: 'm.room.member', sender: BOB, state_key: BOB, content: {} },
    refused: /needs a membership in its content/,
  },
  {
    name: 'a join authorised by a user on another server is refused, as this server cannot check that server’s signature',
    state: () => room({ joinRule: 'restricted', members: { [MALLORY]: 'join' } }),
    event: membership(BOB, BOB, 'join', { join_authorised_via_users_server: MALLORY }),
    refused: /cannot check a signature from elsewhere\.example/,
  },
  {
    name: 'a join_authorised_via_users_server that is not a user ID is refused',
    state: () => room({ joinRule: 'restricted' }),
    event: membership(BOB, BOB, 'join', { join_authorised_via_users_server: 'alice' }),
    refused: /join_authorised_via_users_server must be a user ID/,
  },
  {
    name: 'an unknown membership is refused',
    state: () => room({ joinRule: 'public' }),
    event: membership(BOB, BOB, 'visit'),
    refused: /"visit" is not a membership/,
  },
]);

rows('rule 4.3: joining', [
  {
    name: 'the creator can join straight after creating the room',
    state: () => withState(new Map(), stored({ type: 'm.room.create', sender: ALICE, state_key: '', content: { room_version: '11' } })),
    event: (state) => ({ ...membership(ALICE, ALICE, 'join'), prev_events: [state.get(stateMapKey('m.room.create', ''))?.event_id ?? ''] }),
    allowed: true,
  },
  {
    name: 'another user cannot use the creator’s first join to enter a new room',
    state: () => withState(new Map(), stored({ type: 'm.room.create', sender: ALICE, state_key: '', content: { room_version: '11' } })),
    event: (state) => ({ ...membership(BOB, BOB, 'join'), prev_events: [state.get(stateMapKey('m.room.create', ''))?.event_id ?? ''] }),
    refused: /@bob:example\.org needs an invitation to join this room/,
  },
  {
    name: 'a user cannot join on behalf of someone else',
    state: () => room({ joinRule: 'public' }),
    event: membership(ALICE, BOB, 'join'),
    refused: /@alice:example\.org cannot join the room for @bob:example\.org/,
  },
  {
    name: 'a banned user cannot join a public room',
    state: () => room({ joinRule: 'public', members: { [BOB]: 'ban' } }),
    event: membership(BOB, BOB, 'join'),
    refused: /@bob:example\.org is banned from the room/,
  },
  { name: 'anyone can join a public room', state: () => room({ joinRule: 'public' }), event: membership(BOB, BOB, 'join'), allowed: true },
  {
    name: 'a user cannot join an invite-only room without an invitation',
    state: () => room({ joinRule: 'invite' }),
    event: membership(BOB, BOB, 'join'),
    refused: /@bob:example\.org needs an invitation to join this room$/,
  },
  {
    name: 'an invited user can join an invite-only room',
    state: () => room({ joinRule: 'invite', members: { [BOB]: 'invite' } }),
    event: membership(BOB, BOB, 'join'),
    allowed: true,
  },
  {
    name: 'a member of an invite-only room can send their join again, as a profile change does',
    state: () => room({ joinRule: 'invite', members: { [BOB]: 'join' } }),
    event: membership(BOB, BOB, 'join', { displayname: 'Bob' }),
    allowed: true,
  },
  {
    name: 'a user who left an invite-only room cannot join again uninvited',
    state: () => room({ joinRule: 'invite', members: { [BOB]: 'leave' } }),
    event: membership(BOB, BOB, 'join'),
    refused: /needs an invitation/,
  },
  {
    name: 'a user cannot join a knock room without an invitation',
    state: () => room({ joinRule: 'knock', members: { [BOB]: 'knock' } }),
    event: membership(BOB, BOB, 'join'),
    refused: /needs an invitation to join this room; they can knock to ask for one/,
  },
  {
    name: 'an invited user can join a knock room',
    state: () => room({ joinRule: 'knock', members: { [BOB]: 'invite' } }),
    event: membership(BOB, BOB, 'join'),
    allowed: true,
  },
  {
    name: 'a room without join rules is invite-only',
    state: () => room({ joinRule: null }),
    event: membership(BOB, BOB, 'join'),
    refused: /needs an invitation/,
  },
  {
    name: 'an invited user can join a room without join rules',
    state: () => room({ joinRule: null, members: { [BOB]: 'invite' } }),
    event: membership(BOB, BOB, 'join'),
    allowed: true,
  },
  {
    name: 'an invited user can join a restricted room',
    state: () => room({ joinRule: 'restricted', members: { [BOB]: 'invite' } }),
    event: membership(BOB, BOB, 'join'),
    allowed: true,
  },
  {
    name: 'a user cannot join a restricted room without a member authorising the join',
    state: () => room({ joinRule: 'restricted' }),
    event: membership(BOB, BOB, 'join'),
    refused: /needs an invitation, or a join authorised by a member who can invite/,
  },
  {
    name: 'a join to a restricted room authorised by a joined member who can invite is allowed',
    state: () => room({ joinRule: 'restricted' }),
    event: membership(BOB, BOB, 'join', { join_authorised_via_users_server: ALICE }),
    allowed: true,
  },
  {
    name: 'a join to a knock_restricted room authorised by a joined member who can invite is allowed',
    state: () => room({ joinRule: 'knock_restricted' }),
    event: membership(BOB, BOB, 'join', { join_authorised_via_users_server: ALICE }),
    allowed: true,
  },
  {
    name: 'a join authorised by a member below the invite level is refused',
    state: () => room({ joinRule: 'restricted', powerLevels: { invite: 50 }, members: { [CAROL]: 'join' } }),
    event: membership(BOB, BOB, 'join', { join_authorised_via_users_server: CAROL }),
    refused: /@carol:example\.org, who authorised the join, has power level 0; authorising a join needs 50/,
  },
  {
    name: 'a join authorised by someone who is not in the room is refused',
    state: () => room({ joinRule: 'restricted', members: { [CAROL]: 'leave' } }),
    event: membership(BOB, BOB, 'join', { join_authorised_via_users_server: CAROL }),
    refused: /@carol:example\.org, who authorised the join, is not in the room/,
  },
  {
    name: 'nobody can join a room whose join rule is private',
    state: () => room({ joinRule: 'private' }),
    event: membership(BOB, BOB, 'join'),
    refused: /nobody can join this room: its join rule is "private"/,
  },
]);

rows('rule 4.4: inviting', [
  {
    name: 'a member at the invite level can invite',
    state: () => room({ members: { [BOB]: 'join' } }),
    event: membership(BOB, CAROL, 'invite'),
    allowed: true,
  },
  {
    name: 'a member below the invite level cannot invite',
    state: () => room({ powerLevels: { invite: 50 }, members: { [BOB]: 'join' } }),
    event: membership(BOB, CAROL, 'invite'),
    refused: /@bob:example\.org has power level 0; inviting needs 50/,
  },
  {
    name: 'a user who is not in the room cannot invite',
    state: () => room({ members: { [BOB]: 'invite' } }),
    event: membership(BOB, CAROL, 'invite'),
    refused: /@bob:example\.org is not in the room, so cannot invite anyone/,
  },
  {
    name: 'a user who is already in the room cannot be invited',
    state: () => room({ members: { [BOB]: 'join' } }),
    event: membership(ALICE, BOB, 'invite'),
    refused: /@bob:example\.org is already in the room/,
  },
  {
    name: 'a banned user cannot be invited',
    state: () => room({ members: { [BOB]: 'ban' } }),
    event: membership(ALICE, BOB, 'invite'),
    refused: /@bob:example\.org is banned from the room; lift the ban before inviting them/,
  },
]);

// Rule 4.4.1: an identity server's key, a third-party invite made with it, and its completion.
const identityServer = generateKeyPairSync('ed25519');
const otherIdentityServer = generateKeyPairSync('ed25519');
const publicKeyOf = (keys: typeof identityServer) =>
  Buffer.from(keys.publicKey.export({ format: 'jwk' }).x ?? '', 'base64url').toString('base64');

function signedBy(keys: typeof identityServer, mxid: string, token: string): Content {
  const signature = sign(null, canonicalJsonBytes({ mxid, token }), keys.privateKey).toString('base64').replace(/=+$/, '');
  return { mxid, token, signatures: { 'id.example.org': { 'ed25519:0': signature } } };
}

function roomWithThirdPartyInvite(content: Content = { public_key: publicKeyOf(identityServer) }, options: RoomOptions = {}) {
  const invite = stored({
    type: 'm.room.third_party_invite',
    sender: ALICE,
    state_key: 'token-1',
    content: { display_name: 'b…@example.com', ...content },
  });
  return withState(room(options), invite);
}

const completeInvite = (signed: unknown, sender = ALICE): Draft =>
  membership(sender, BOB, 'invite', { third_party_invite: { display_name: 'b…@example.com', signed } });

rows('rule 4.4.1: completing a third-party invite', [
  {
    name: 'an invite signed by the identity server’s key completes the third-party invite',
    state: () => roomWithThirdPartyInvite(),
    event: completeInvite(signedBy(identityServer, BOB, 'token-1')),
    allowed: true,
  },
  {
    name: 'a key listed in public_keys also verifies the third-party invite',
    state: () =>
      roomWithThirdPartyInvite({
        public_keys: [{ public_key: publicKeyOf(otherIdentityServer) }, { public_key: publicKeyOf(identityServer) }],
      }),
    event: completeInvite(signedBy(identityServer, BOB, 'token-1')),
    allowed: true,
  },
  {
    name: 'a third-party invite signed by a key the room does not hold is refused',
    state: () => roomWithThirdPartyInvite(),
    event: completeInvite(signedBy(otherIdentityServer, BOB, 'token-1')),
    refused: /not signed by any identity server key that the room holds for it/,
  },
  {
    name: 'a third-party invite for a banned user is refused',
    state: () => roomWithThirdPartyInvite(undefined, { members: { [BOB]: 'ban' } }),
    event: completeInvite(signedBy(identityServer, BOB, 'token-1')),
    refused: /@bob:example\.org is banned from the room/,
  },
  {
    name: 'a third-party invite without a signed part is refused',
    state: () => roomWithThirdPartyInvite(),
    event: membership(ALICE, BOB, 'invite', { third_party_invite: { display_name: 'b…@example.com' } }),
    refused: /has no part signed by the identity server/,
  },
  {
    name: 'a third-party invite whose signed part lacks the token is refused',
    state: () => roomWithThirdPartyInvite(),
    event: completeInvite({ mxid: BOB }),
    refused: /needs both an mxid and a token/,
  },
  {
    name: 'a third-party invite signed for another user is refused',
    state: () => roomWithThirdPartyInvite(),
    event: completeInvite(signedBy(identityServer, CAROL, 'token-1')),
    refused: /signed for @carol:example\.org, not @bob:example\.org/,
  },
  {
    name: 'a third-party invite whose token the room does not hold is refused',
    state: () => roomWithThirdPartyInvite(),
    event: completeInvite(signedBy(identityServer, BOB, 'token-2')),
    refused: /the room has no third-party invite with this token/,
  },
  {
    name: 'only the user who made the third-party invite can complete it',
    state: () => roomWithThirdPartyInvite(undefined, { members: { [CAROL]: 'join' } }),
    event: completeInvite(signedBy(identityServer, BOB, 'token-1'), CAROL),
    refused: /only @alice:example\.org, who sent the third-party invite, can complete it/,
  },
]);

rows('rule 4.5: leaving, kicking and lifting bans', [
  { name: 'a member can leave', state: () => room({ members: { [BOB]: 'join' } }), event: membership(BOB, BOB, 'leave'), allowed: true },
  {
    name: 'an invited user can reject the invitation',
    state: () => room({ members: { [BOB]: 'invite' } }),
    event: membership(BOB, BOB, 'leave'),
    allowed: true,
  },
  {
    name: 'a knocking user can withdraw the knock',
    state: () => room({ joinRule: 'knock', members: { [BOB]: 'knock' } }),
    event: membership(BOB, BOB, 'leave'),
    allowed: true,
  },
  {
    name: 'a user who is not in the room has nothing to leave',
    state: () => room(),
    event: membership(BOB, BOB, 'leave'),
    refused: /@bob:example\.org is not in the room, invited or knocking, so there is nothing to leave/,
  },
  {
    name: 'a banned user cannot lift their own ban by leaving',
    state: () => room({ members: { [BOB]: 'ban' } }),
    event: membership(BOB, BOB, 'leave'),
    refused: /banned from the room and cannot lift their own ban/,
  },
  {
    name: 'a user who is not in the room cannot kick',
    state: () => room({ users: { [BOB]: 100 }, members: { [BOB]: 'invite', [CAROL]: 'join' } }),
    event: membership(BOB, CAROL, 'leave'),
    refused: /@bob:example\.org is not in the room, so cannot remove @carol:example\.org/,
  },
  {
    name: 'a moderator can kick a member below them',
    state: () => room({ users: { [BOB]: 50 }, members: { [BOB]: 'join', [CAROL]: 'join' } }),
    event: membership(BOB, CAROL, 'leave'),
    allowed: true,
  },
  {
    name: 'a member below the kick level cannot kick',
    state: () => room({ users: { [BOB]: 49 }, members: { [BOB]: 'join', [CAROL]: 'join' } }),
    event: membership(BOB, CAROL, 'leave'),
    refused: /@bob:example\.org has power level 49; kicking needs 50/,
  },
  {
    name: 'a moderator cannot kick a peer at the same level',
    state: () => room({ users: { [BOB]: 50, [CAROL]: 50 }, members: { [BOB]: 'join', [CAROL]: 'join' } }),
    event: membership(BOB, CAROL, 'leave'),
    refused: /@bob:example\.org has power level 50 and cannot kick @carol:example\.org, who has 50/,
  },
  {
    name: 'a moderator can withdraw an invitation they may kick for',
    state: () => room({ users: { [BOB]: 50 }, members: { [BOB]: 'join', [CAROL]: 'invite' } }),
    event: membership(BOB, CAROL, 'leave'),
    allowed: true,
  },
  {
    name: 'lifting a ban needs the ban level',
    state: () => room({ powerLevels: { ban: 75, kick: 50 }, users: { [BOB]: 60 }, members: { [BOB]: 'join', [CAROL]: 'ban' } }),
    event: membership(BOB, CAROL, 'leave'),
    refused: /@bob:example\.org has power level 60; lifting a ban needs 75/,
  },
  {
    name: 'lifting a ban needs the kick level too',
    state: () => room({ powerLevels: { ban: 50, kick: 75 }, users: { [BOB]: 60 }, members: { [BOB]: 'join', [CAROL]: 'ban' } }),
    event: membership(BOB, CAROL, 'leave'),
    refused: /@bob:example\.org has power level 60; lifting a ban needs 75/,
  },
  {
    name: 'a moderator at both the kick and ban levels can lift a ban on a user below them',
    state: () => room({ users: { [BOB]: 50 }, members: { [BOB]: 'join', [CAROL]: 'ban' } }),
    event: membership(BOB, CAROL, 'leave'),
    allowed: true,
  },
  {
    name: 'a moderator cannot lift a ban on a user at their own level',
    state: () => room({ users: { [BOB]: 50, [CAROL]: 50 }, members: { [BOB]: 'join', [CAROL]: 'ban' } }),
    event: membership(BOB, CAROL, 'leave'),
    refused: /cannot lift the ban on @carol:example\.org, who has 50/,
  },
]);

rows('rule 4.6: banning', [
  {
    name: 'a moderator can ban a member below them',
    state: () => room({ users: { [BOB]: 50 }, members: { [BOB]: 'join', [CAROL]: 'join' } }),
    event: membership(BOB, CAROL, 'ban'),
    allowed: true,
  },
  {
    name: 'a moderator can ban a user who was never in the room',
    state: () => room({ users: { [BOB]: 50 }, members: { [BOB]: 'join' } }),
    event: membership(BOB, DAVE, 'ban'),
    allowed: true,
  },
  {
    name: 'a member below the ban level cannot ban',
    state: () => room({ users: { [BOB]: 40 }, members: { [BOB]: 'join', [CAROL]: 'join' } }),
    event: membership(BOB, CAROL, 'ban'),
    refused: /@bob:example\.org has power level 40; banning needs 50/,
  },
  {
    name: 'a moderator cannot ban a peer at the same level',
    state: () => room({ users: { [BOB]: 50, [CAROL]: 50 }, members: { [BOB]: 'join', [CAROL]: 'join' } }),
    event: membership(BOB, CAROL, 'ban'),
    refused: /cannot ban @carol:example\.org, who has 50/,
  },
  {
    name: 'a user who is not in the room cannot ban',
    state: () => room({ users: { [BOB]: 100 }, members: { [CAROL]: 'join' } }),
    event: membership(BOB, CAROL, 'ban'),
    refused: /@bob:example\.org is not in the room, so cannot ban anyone/,
  },
]);

rows('rule 4.7: knocking', [
  {
    name: 'a user can knock on a knock room',
    state: () => room({ joinRule: 'knock' }),
    event: membership(BOB, BOB, 'knock'),
    allowed: true,
  },
  {
    name: 'a user can knock on a knock_restricted room',
    state: () => room({ joinRule: 'knock_restricted' }),
    event: membership(BOB, BOB, 'knock'),
    allowed: true,
  },
  {
    name: 'a user who left a knock room can knock again',
    state: () => room({ joinRule: 'knock', members: { [BOB]: 'leave' } }),
    event: membership(BOB, BOB, 'knock'),
    allowed: true,
  },
  {
    name: 'a public room does not accept knocks',
    state: () => room({ joinRule: 'public' }),
    event: membership(BOB, BOB, 'knock'),
    refused: /this room does not accept knocks: its join rule is "public"/,
  },
  {
    name: 'an invite-only room does not accept knocks',
    state: () => room({ joinRule: 'invite' }),
    event: membership(BOB, BOB, 'knock'),
    refused: /does not accept knocks/,
  },
  {
    name: 'a user cannot knock for someone else',
    state: () => room({ joinRule: 'knock' }),
    event: membership(ALICE, BOB, 'knock'),
    refused: /@alice:example\.org cannot knock for @bob:example\.org/,
  },
  {
    name: 'a banned user cannot knock',
    state: () => room({ joinRule: 'knock', members: { [BOB]: 'ban' } }),
    event: membership(BOB, BOB, 'knock'),
    refused: /@bob:example\.org is banned from the room/,
  },
  {
    name: 'an invited user cannot knock',
    state: () => room({ joinRule: 'knock', members: { [BOB]: 'invite' } }),
    event: membership(BOB, BOB, 'knock'),
    refused: /already invited and can join without knocking/,
  },
  {
    name: 'a member cannot knock',
    state: () => room({ joinRule: 'knock', members: { [BOB]: 'join' } }),
    event: membership(BOB, BOB, 'knock'),
    refused: /@bob:example\.org is already in the room/,
  },
]);

rows('rules 5–8, 10: sending events', [
  {
    name: 'a user who is not in the room cannot send a message',
    state: () => room(),
    event: message(BOB),
    refused: /^@bob:example\.org is not in the room$/,
  },
  {
    name: 'an invited user cannot send a message',
    state: () => room({ members: { [BOB]: 'invite' } }),
    event: message(BOB),
    refused: /is not in the room/,
  },
  {
    name: 'a kicked user cannot send a message',
    state: () => room({ members: { [BOB]: 'leave' } }),
    event: message(BOB),
    refused: /is not in the room/,
  },
  {
    name: 'a member at the invite level can send m.room.third_party_invite',
    state: () => room({ members: { [BOB]: 'join' } }),
    event: { type: 'm.room.third_party_invite', sender: BOB, state_key: 'token-9', content: { display_name: 'c…', public_key: 'AAAA' } },
    allowed: true,
  },
  {
    name: 'a member below the invite level cannot send m.room.third_party_invite',
    state: () => room({ powerLevels: { invite: 50 }, members: { [BOB]: 'join' } }),
    event: { type: 'm.room.third_party_invite', sender: BOB, state_key: 'token-9', content: { display_name: 'c…', public_key: 'AAAA' } },
    refused: /@bob:example\.org has power level 0; inviting needs 50/,
  },
  {
    name: 'a member at events_default can send a message',
    state: () => room({ members: { [BOB]: 'join' } }),
    event: message(BOB),
    allowed: true,
  },
  {
    name: 'a member below events_default cannot send a message',
    state: () => room({ powerLevels: { events_default: 10 }, members: { [BOB]: 'join' } }),
    event: message(BOB),
    refused: /@bob:example\.org has power level 0; sending m\.room\.message needs 10/,
  },
  {
    name: 'a user below the state_default cannot set the room name',
    state: () => room({ members: { [BOB]: 'join' } }),
    event: { type: 'm.room.name', sender: BOB, state_key: '', content: { name: 'Ours' } },
    refused: /@bob:example\.org has power level 0; sending m\.room\.name needs 50/,
  },
  {
    name: 'a member one level below the state_default cannot set the room name',
    state: () => room({ users: { [BOB]: 49 }, members: { [BOB]: 'join' } }),
    event: { type: 'm.room.name', sender: BOB, state_key: '', content: { name: 'Ours' } },
    refused: /@bob:example\.org has power level 49; sending m\.room\.name needs 50/,
  },
  {
    name: 'a moderator at the state_default can set the room name',
    state: () => room({ users: { [BOB]: 50 }, members: { [BOB]: 'join' } }),
    event: { type: 'm.room.name', sender: BOB, state_key: '', content: { name: 'Ours' } },
    allowed: true,
  },
  {
    name: 'an events entry lowers the level for its event type below the state_default',
    state: () => room({ powerLevels: { events: { 'm.room.topic': 0 } }, members: { [BOB]: 'join' } }),
    event: { type: 'm.room.topic', sender: BOB, state_key: '', content: { topic: 'tea' } },
    allowed: true,
  },
  {
    name: 'without a power levels event the creator has 100 and may set state',
    state: () => room({ powerLevels: null }),
    event: { type: 'm.room.name', sender: ALICE, state_key: '', content: { name: 'Ours' } },
    allowed: true,
  },
  {
    name: 'without a power levels event other members have 0 and may not set state',
    state: () => room({ powerLevels: null, members: { [BOB]: 'join' } }),
    event: { type: 'm.room.name', sender: BOB, state_key: '', content: { name: 'Ours' } },
    refused: /@bob:example\.org has power level 0; sending m\.room\.name needs 50/,
  },
  {
    name: 'a member below the redact level can still send a redaction, as the redact level is no auth rule',
    state: () => room({ powerLevels: { redact: 100 }, members: { [BOB]: 'join' } }),
    event: { type: 'm.room.redaction', sender: BOB, content: { redacts: '$someone-else' } },
    allowed: true,
  },
  {
    name: 'a redaction needs the level the events entry gives m.room.redaction',
    state: () => room({ powerLevels: { events: { 'm.room.redaction': 50 } }, members: { [BOB]: 'join' } }),
    event: { type: 'm.room.redaction', sender: BOB, content: { redacts: '$own' } },
    refused: /sending m\.room\.redaction needs 50/,
  },
  {
    name: 'a user cannot send state keyed by another user’s ID',
    state: () => room({ powerLevels: { state_default: 0 }, members: { [BOB]: 'join' } }),
    event: { type: 'org.example.status', sender: BOB, state_key: CAROL, content: {} },
    refused: /the state key @carol:example\.org belongs to another user/,
  },
  {
    name: 'a user can send state keyed by their own user ID',
    state: () => room({ powerLevels: { state_default: 0 }, members: { [BOB]: 'join' } }),
    event: { type: 'org.example.status', sender: BOB, state_key: BOB, content: {} },
    allowed: true,
  },
]);

const changePowerLevels =
  (sender: string, change: (content: Content) => void) =>
  (state: RoomState): Draft => {
    const content = powerLevelsContent(state);
    change(content);
    return powerLevels(sender, content);
  };
const users = (content: Content) => content.users as Record<string, unknown>;

rows('rule 9: m.room.power_levels', [
  {
    name: 'a power level written as a string is refused',
    state: () => room(),
    event: changePowerLevels(ALICE, (content) => {
      content.ban = '50';
    }),
    refused: /the power level ban must be an integer, but it is the string "50"/,
  },
  {
    name: 'a power level written as a fraction is refused',
    state: () => room(),
    event: changePowerLevels(ALICE, (content) => {
      content.kick = 50.5;
    }),
    refused: /the power level kick must be an integer, but it is 50\.5/,
  },
  {
    name: 'a power level beyond the canonical JSON range is refused',
    state: () => room(),
    event: changePowerLevels(ALICE, (content) => {
      content.state_default = 2 ** 53;
    }),
    refused: /state_default must be an integer/,
  },
  {
    name: 'an events entry written as a string is refused',
    state: () => room(),
    event: changePowerLevels(ALICE, (content) => {
      content.events = { 'm.room.name': '50' };
    }),
    refused: /events\.m\.room\.name in the power levels must be an integer, but it is the string "50"/,
  },
  {
    name: 'notifications that are not an object are refused',
    state: () => room(),
    event: changePowerLevels(ALICE, (content) => {
      content.notifications = [50];
    }),
    refused: /notifications in the power levels must be an object of integers, but it is a list/,
  },
  {
    name: 'a user power level written as a string is refused',
    state: () => room(),
    event: changePowerLevels(ALICE, (content) => {
      users(content)[BOB] = '50';
    }),
    refused: /the power level of @bob:example\.org must be an integer, but it is the string "50"/,
  },
  {
    name: 'users keyed by something other than a user ID are refused',
    state: () => room(),
    event: changePowerLevels(ALICE, (content) => {
      users(content).bob = 50;
    }),
    refused: /lists "bob", which is not a valid user ID/,
  },
  {
    name: 'the first power levels event is allowed whatever levels it sets',
    state: () => room({ powerLevels: null, members: { [BOB]: 'join' } }),
    event: powerLevels(ALICE, { users: { [ALICE]: 100, [BOB]: 100 }, ban: 0 }),
    allowed: true,
  },
  {
    name: 'an admin can raise a member to their own level',
    state: () => room({ members: { [BOB]: 'join' } }),
    event: changePowerLevels(ALICE, (content) => {
      users(content)[BOB] = 100;
    }),
    allowed: true,
  },
  {
    name: 'a user cannot grant a level above their own',
    state: () => room({ users: { [BOB]: 50 }, members: { [BOB]: 'join' } }),
    event: changePowerLevels(BOB, (content) => {
      users(content)[CAROL] = 60;
    }),
    refused: /@bob:example\.org has power level 50 and cannot give @carol:example\.org power level 60/,
  },
  {
    name: 'a user cannot raise themselves above their own level',
    state: () => room({ users: { [BOB]: 50 }, members: { [BOB]: 'join' } }),
    event: changePowerLevels(BOB, (content) => {
      users(content)[BOB] = 51;
    }),
    refused: /cannot give @bob:example\.org power level 51/,
  },
  {
    name: 'a user cannot demote a peer at the same level',
    state: () => room({ users: { [BOB]: 50, [DAVE]: 50 }, members: { [BOB]: 'join' } }),
    event: changePowerLevels(BOB, (content) => {
      users(content)[DAVE] = 0;
    }),
    refused: /@bob:example\.org has power level 50 and cannot change the power level of @dave:example\.org, who has 50/,
  },
  {
    name: 'a user cannot remove a peer’s entry',
    state: () => room({ users: { [BOB]: 50, [DAVE]: 50 }, members: { [BOB]: 'join' } }),
    event: changePowerLevels(BOB, (content) => {
      delete users(content)[DAVE];
    }),
    refused: /cannot change the power level of @dave:example\.org, who has 50/,
  },
  {
    name: 'a user can demote a member below them',
    state: () => room({ users: { [BOB]: 50, [CAROL]: 20 }, members: { [BOB]: 'join' } }),
    event: changePowerLevels(BOB, (content) => {
      users(content)[CAROL] = 0;
    }),
    allowed: true,
  },
  {
    name: 'a user can demote themselves',
    state: () => room({ users: { [BOB]: 50 }, members: { [BOB]: 'join' } }),
    event: changePowerLevels(BOB, (content) => {
      users(content)[BOB] = 10;
    }),
    allowed: true,
  },
  {
    name: 'an admin can demote themselves below another admin',
    state: () => room({ users: { [BOB]: 100 }, members: { [BOB]: 'join' } }),
    event: changePowerLevels(ALICE, (content) => {
      users(content)[ALICE] = 50;
    }),
    allowed: true,
  },
  {
    name: 'a user cannot change a level that is above their own',
    state: () => room({ powerLevels: { kick: 75 }, users: { [BOB]: 60 }, members: { [BOB]: 'join' } }),
    event: changePowerLevels(BOB, (content) => {
      content.kick = 50;
    }),
    refused: /@bob:example\.org has power level 60 and cannot change kick, which is 75/,
  },
  {
    name: 'a user cannot set a level above their own',
    state: () => room({ users: { [BOB]: 60 }, members: { [BOB]: 'join' } }),
    event: changePowerLevels(BOB, (content) => {
      content.ban = 70;
    }),
    refused: /@bob:example\.org has power level 60 and cannot set ban to 70/,
  },
  {
    name: 'a user can set a level up to their own',
    state: () => room({ users: { [BOB]: 60 }, members: { [BOB]: 'join' } }),
    event: changePowerLevels(BOB, (content) => {
      content.ban = 60;
      content.invite = 10;
    }),
    allowed: true,
  },
  {
    name: 'a user cannot add an events entry above their own level',
    state: () => room({ users: { [BOB]: 60 }, members: { [BOB]: 'join' } }),
    event: changePowerLevels(BOB, (content) => {
      content.events = { 'm.room.tombstone': 100 };
    }),
    refused: /cannot set events\.m\.room\.tombstone to 100/,
  },
  {
    name: 'a user cannot change an events entry that is above their own level',
    state: () => room({ powerLevels: { events: { 'm.room.tombstone': 100 } }, users: { [BOB]: 60 }, members: { [BOB]: 'join' } }),
    event: changePowerLevels(BOB, (content) => {
      content.events = { 'm.room.tombstone': 50 };
    }),
    refused: /cannot change events\.m\.room\.tombstone, which is 100/,
  },
  {
    name: 'a user cannot raise a notifications level above their own',
    state: () => room({ users: { [BOB]: 60 }, members: { [BOB]: 'join' } }),
    event: changePowerLevels(BOB, (content) => {
      content.notifications = { room: 70 };
    }),
    refused: /cannot set notifications\.room to 70/,
  },
  {
    name: 'a user below the level for m.room.power_levels cannot change them at all',
    state: () => room({ users: { [BOB]: 40 }, members: { [BOB]: 'join' } }),
    event: changePowerLevels(BOB, (content) => {
      users(content)[CAROL] = 10;
    }),
    refused: /@bob:example\.org has power level 40; sending m\.room\.power_levels needs 50/,
  },
]);

test('a room built event by event from its creation is authorised at every step', () => {
  let state: Map<string, AuthEvent> = new Map();
  let latest: string[] = [];
  const append = (draft: Draft) => {
    const event = { ...propose(state, draft), event_id: nextEventId(), prev_events: latest };
    assert.deepEqual(authorize(event, state), { allowed: true }, `${draft.type} ${draft.state_key ?? ''}`);
    state = withState(state, event);
    latest = [event.event_id];
  };
  append({ type: 'm.room.create', sender: ALICE, state_key: '', content: { room_version: '11' } });
  append(membership(ALICE, ALICE, 'join'));
  append(powerLevels(ALICE, { users: { [ALICE]: 100 } }));
  append({ type: 'm.room.join_rules', sender: ALICE, state_key: '', content: { join_rule: 'invite' } });
  append(membership(ALICE, BOB, 'invite'));
  append(membership(BOB, BOB, 'join'));
  append(message(BOB));
});

/** The same entries in a different insertion order, chosen by a fixed seed. */
function shuffled(state: RoomState, seed: number): Map<string, AuthEvent> {
  const entries = [...state.entries()];
  let random = seed;
  for (let i = entries.length - 1; i > 0; i--) {
    random = (random * 1103515245 + 12345) % 2147483648;
    const j = random % (i + 1);
    [entries[i], entries[j]] = [entries[j] as [string, AuthEvent], entries[i] as [string, AuthEvent]];
  }
  return new Map(entries);
}

test('no verdict depends on the order of the state map', () => {
  assert.ok(allRows.length > 100, 'every row above is replayed');
  for (const row of allRows) {
    const state = row.state();
    const expected = verdictOf(row, state);
    for (const order of [new Map([...state.entries()].reverse()), shuffled(state, 1), shuffled(state, 7), shuffled(state, 42)]) {
      assert.deepEqual(verdictOf(row, order), expected, row.name);
    }
  }
});
