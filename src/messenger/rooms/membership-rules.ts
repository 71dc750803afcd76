/**
 * Room version 11 auth rule 4: `m.room.member` events — joining, inviting, leaving, kicking,
 * banning, unbanning and knocking. "Current membership" is the membership event in the state
 * the event is authorised against; a user without one has no membership (which is not `leave`,
 * though the rules treat both alike).
 */
import { type AuthEvent, isUserId, membershipIn, type RoomState, serverNameOf, stateEvent } from './auth-event.ts';
import { type PowerLevels, userLevel } from './power-levels.ts';
import { thirdPartyInviteVerdict } from './third-party-invite.ts';
import { ALLOWED, type AuthVerdict, refused } from './verdict.ts';

/**
 * The room's join rule. A room without an `m.room.join_rules` event (or with a malformed one)
 * reads as `invite`, as Synapse and Ruma read it: the specification gives no default.
 */
export function joinRuleOf(state: RoomState): string {
  const joinRule = stateEvent(state, 'm.room.join_rules', '')?.content.join_rule;
  return typeof joinRule === 'string' ? joinRule : 'invite';
}

export function membershipVerdict(event: AuthEvent, state: RoomState, create: AuthEvent, levels: PowerLevels): AuthVerdict {
  // 4.1
  const target = event.state_key;
  if (target === undefined) return refused('an m.room.member event needs a state_key naming the user it is about');
  if (!Object.hasOwn(event.content, 'membership')) return refused('an m.room.member event needs a membership in its content');
  // 4.2
  if (Object.hasOwn(event.content, 'join_authorised_via_users_server')) {
    const problem = authoriserSignatureProblem(event);
    if (problem !== undefined) return refused(problem);
  }
  const membership = event.content.membership;
  switch (membership) {
    case 'join':
      return joinVerdict(event, target, state, create, levels);
    case 'invite':
      return inviteVerdict(event, target, state, levels);
    case 'leave':
      return leaveVerdict(event.sender, target, state, levels);
    case 'ban':
      return banVerdict(event.sender, target, state, levels);
    case 'knock':
      return knockVerdict(event.sender, target, state);
    default:
      // 4.8
      return refused(`${JSON.stringify(membership)} is not a membership: use join, invite, leave, ban or knock`);
  }
}

/**
 * 4.2: the event must be signed by the authorising user's server. Events reach the rules
 * already checked to be signed by the sender's server, and this server does not federate, so
 * the check passes exactly when both users are on the same server.
 */
function authoriserSignatureProblem(event: AuthEvent): string | undefined {
  const authoriser = event.content.join_authorised_via_users_server;
  if (!isUserId(authoriser)) {
    return `join_authorised_via_users_server must be a user ID, but it is ${JSON.stringify(authoriser)}`;
  }
  const server = serverNameOf(authoriser);
  if (server !== serverNameOf(event.sender)) {
    return `the join names ${authoriser} as its authoriser, but this server cannot check a signature from ${server}; ask a member on ${serverNameOf(event.sender)} to authorise it`;
  }
  return undefined;
}

// 4.3
function joinVerdict(event: AuthEvent, target: string, state: RoomState, create: AuthEvent, levels: PowerLevels): AuthVerdict {
  const onlyAfterCreate = event.prev_events.length === 1 && event.prev_events[0] === create.event_id;
  if (onlyAfterCreate && target === create.sender) return ALLOWED;
  if (event.sender !== target) return refused(`${event.sender} cannot join the room for ${target}`);
  const current = membershipIn(state, target);
  if (current === 'ban') return refused(`${target} is banned from the room`);
  const joinRule = joinRuleOf(state);
  if (joinRule === 'invite' || joinRule === 'knock') {
    if (current === 'invite' || current === 'join') return ALLOWED;
    const ask = joinRule === 'knock' ? '; they can knock to ask for one' : '';
    return refused(`${target} needs an invitation to join this room${ask}`);
  }
  if (joinRule === 'restricted' || joinRule === 'knock_restricted') {
    if (current === 'join' || current === 'invite') return ALLOWED;
    const authoriser = event.content.join_authorised_via_users_server;
    if (typeof authoriser !== 'string') {
      return refused(`${target} needs an invitation, or a join authorised by a member who can invite, to join this room`);
    }
    if (membershipIn(state, authoriser) !== 'join') return refused(`${authoriser}, who authorised the join, is not in the room`);
    const level = userLevel(levels, authoriser);
    if (level < levels.invite) {
      return refused(`${authoriser}, who authorised the join, has power level ${level}; authorising a join needs ${levels.invite}`);
    }
    return ALLOWED;
  }
  if (joinRule === 'public') return ALLOWED;
  return refused(`nobody can join this room: its join rule is ${JSON.stringify(joinRule)}`);
}

// 4.4
function inviteVerdict(event: AuthEvent, target: string, state: RoomState, levels: PowerLevels): AuthVerdict {
  if (Object.hasOwn(event.content, 'third_party_invite')) return thirdPartyInviteVerdict(event, target, state);
  const sender = event.sender;
  if (membershipIn(state, sender) !== 'join') return refused(`${sender} is not in the room, so cannot invite anyone`);
  const current = membershipIn(state, target);
  if (current === 'join') return refused(`${target} is already in the room`);
  if (current === 'ban') return refused(`${target} is banned from the room; lift the ban before inviting them`);
  const level = userLevel(levels, sender);
  if (level >= levels.invite) return ALLOWED;
  return refused(`${sender} has power level ${level}; inviting needs ${levels.invite}`);
}

// 4.5
function leaveVerdict(sender: string, target: string, state: RoomState, levels: PowerLevels): AuthVerdict {
  const senderMembership = membershipIn(state, sender);
  if (sender === target) {
    if (senderMembership === 'invite' || senderMembership === 'join' || senderMembership === 'knock') return ALLOWED;
    if (senderMembership === 'ban') return refused(`${sender} is banned from the room and cannot lift their own ban`);
    return refused(`${sender} is not in the room, invited or knocking, so there is nothing to leave`);
  }
  if (senderMembership !== 'join') return refused(`${sender} is not in the room, so cannot remove ${target}`);
  const senderLevel = userLevel(levels, sender);
  const targetLevel = userLevel(levels, target);
  const banned = membershipIn(state, target) === 'ban';
  if (banned && senderLevel < levels.ban) return refused(`${sender} has power level ${senderLevel}; lifting a ban needs ${levels.ban}`);
  if (senderLevel >= levels.kick && targetLevel < senderLevel) return ALLOWED;
  const action = banned ? 'lifting a ban' : 'kicking';
  if (senderLevel < levels.kick) return refused(`${sender} has power level ${senderLevel}; ${action} needs ${levels.kick}`);
  const verb = banned ? 'lift the ban on' : 'kick';
  return refused(`${sender} has power level ${senderLevel} and cannot ${verb} ${target}, who has ${targetLevel}`);
}

// 4.6
function banVerdict(sender: string, target: string, state: RoomState, levels: PowerLevels): AuthVerdict {
  if (membershipIn(state, sender) !== 'join') return refused(`${sender} is not in the room, so cannot ban anyone`);
  const senderLevel = userLevel(levels, sender);
  const targetLevel = userLevel(levels, target);
  if (senderLevel >= levels.ban && targetLevel < senderLevel) return ALLOWED;
  if (senderLevel < levels.ban) return refused(`${sender} has power level ${senderLevel}; banning needs ${levels.ban}`);
  return refused(`${sender} has power level ${senderLevel} and cannot ban ${target}, who has ${targetLevel}`);
}

// 4.7
function knockVerdict(sender: string, target: string, state: RoomState): AuthVerdict {
  const joinRule = joinRuleOf(state);
  if (joinRule !== 'knock' && joinRule !== 'knock_restricted') {
    return refused(`this room does not accept knocks: its join rule is ${JSON.stringify(joinRule)}`);
  }
  if (sender !== target) return refused(`${sender} cannot knock for ${target}`);
  const current = membershipIn(state, sender);
  if (current === 'ban') return refused(`${sender} is banned from the room`);
  if (current === 'invite') return refused(`${sender} is already invited and can join without knocking`);
  if (current === 'join') return refused(`${sender} is already in the room`);
  return ALLOWED;
}
