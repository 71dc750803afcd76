import Type, { type Static } from 'typebox';
import { type AppContext, AppError, method } from '../../subnet/index.ts';
import type { JsonObject } from '../events/index.ts';
import { readPowerLevels, stateEvent, userLevel } from '../rooms/index.ts';
import { aliasNewRoom } from './directory.ts';
import { relationQueries } from './relations.ts';
import { membershipOf } from './room-access.ts';
import { appendEvent, applyRedaction, recordRoom } from './room-events.ts';
import { roomReadQueries } from './room-reads.ts';
import { StoredRoomState } from './room-state.ts';
import { type EventRow, joinedRoomsOf } from './room-tables.ts';

const RoomId = Type.String({ pattern: '^![^:]+:.+$', maxLength: 255 });
const UserId = Type.String({ pattern: '^@[^:]+:.+$', maxLength: 255 });
const EventType = Type.String({ minLength: 1, maxLength: 255 });
const Content = Type.Record(Type.String(), Type.Unknown());
/** The sending device's transaction, for PUT /send and /redact. */
const Txn = Type.Optional(
  Type.Object({ device_id: Type.String({ maxLength: 255 }), txn_id: Type.String({ maxLength: 255 }) }, { additionalProperties: false }),
);

const CreateRoomArgs = Type.Object(
  {
    server_name: Type.String({ minLength: 1 }),
    preset: Type.Optional(Type.Union([Type.Literal('private_chat'), Type.Literal('trusted_private_chat'), Type.Literal('public_chat')])),
    visibility: Type.Optional(Type.Union([Type.Literal('public'), Type.Literal('private')])),
    name: Type.Optional(Type.String({ maxLength: 255 })),
    topic: Type.Optional(Type.String({ maxLength: 4096 })),
    invite: Type.Optional(Type.Array(UserId, { maxItems: 100 })),
    is_direct: Type.Optional(Type.Boolean()),
    initial_state: Type.Optional(
      Type.Array(Type.Object({ type: EventType, state_key: Type.Optional(Type.String()), content: Content }), { maxItems: 100 }),
    ),
    power_level_content_override: Type.Optional(Content),
    creation_content: Type.Optional(Content),
    room_alias_name: Type.Optional(Type.String({ pattern: '^[^:#\\s]+$', maxLength: 200 })),
  },
  { additionalProperties: false },
);

/** The power levels a new room starts with (client-server §Creation, and Synapse's established defaults). */
function defaultPowerLevels(creator: string, peers: readonly string[]): JsonObject {
  return {
    users: Object.fromEntries([creator, ...peers].map((user) => [user, 100])),
    users_default: 0,
    events: {
      'm.room.name': 50,
      'm.room.power_levels': 100,
      'm.room.history_visibility': 100,
      'm.room.canonical_alias': 50,
      'm.room.avatar': 50,
      'm.room.tombstone': 100,
      'm.room.server_acl': 100,
      'm.room.encryption': 100,
    },
    events_default: 0,
    state_default: 50,
    ban: 50,
    kick: 50,
    redact: 50,
    invite: 0,
    notifications: { room: 50 },
  };
}

function createRoom(ctx: AppContext, args: Static<typeof CreateRoomArgs>): { room_id: string } {
  const creator = ctx.caller;
  const roomId = `!${ctx.random.string(18)}:${args.server_name}`;
  const preset = args.preset ?? (args.visibility === 'public' ? 'public_chat' : 'private_chat');
  const send = (type: string, content: JsonObject, stateKey = '') =>
    appendEvent(ctx, roomId, { type, state_key: stateKey, sender: creator, content });
  // Version 11 dropped `creator` (the sender says it) but allows extra keys: clients written
  // before it (nheko) read the creator from there, and take the room for version 1 without it.
  const create = send('m.room.create', { ...(args.creation_content as JsonObject | undefined), creator, room_version: '11' });
  recordRoom(ctx, roomId, create.event_id, creator, args.visibility ?? 'private');
  send('m.room.member', { membership: 'join', ...profileOf(ctx, creator) }, creator);
  const peers = preset === 'trusted_private_chat' ? (args.invite ?? []) : [];
  send('m.room.power_levels', { ...defaultPowerLevels(creator, peers), ...(args.power_level_content_override as JsonObject | undefined) });
  if (args.room_alias_name !== undefined) aliasNewRoom(ctx, roomId, `#${args.room_alias_name}:${args.server_name}`);
  send('m.room.join_rules', { join_rule: preset === 'public_chat' ? 'public' : 'invite' });
  send('m.room.history_visibility', { history_visibility: 'shared' });
  send('m.room.guest_access', { guest_access: preset === 'public_chat' ? 'forbidden' : 'can_join' });
  for (const event of args.initial_state ?? []) send(event.type, event.content as JsonObject, event.state_key ?? '');
  if (args.name !== undefined) send('m.room.name', { name: args.name });
  if (args.topic !== undefined) send('m.room.topic', { topic: args.topic });
  for (const invitee of args.invite ?? []) {
    send('m.room.member', { membership: 'invite', ...profileOf(ctx, invitee), ...(args.is_direct ? { is_direct: true } : {}) }, invitee);
  }
  return { room_id: roomId };
}

export const roomMethods = {
  create_room: method(CreateRoomArgs, createRoom),
  /** A message-like event, or (with `state_key`) a state event, sent by the caller. */
  send_event: method(
    Type.Object(
      {
        room_id: RoomId,
        type: EventType,
        state_key: Type.Optional(Type.String({ maxLength: 255 })),
        /** The content as canonical JSON: user data, which the log carries without looking inside. */
        content_json: Type.String({ maxLength: 70_000 }),
        txn: Txn,
      },
      { additionalProperties: false },
    ),
    (ctx, args) => {
      if (args.type === 'm.room.create') {
        throw new AppError('M_FORBIDDEN', 'a room has exactly one m.room.create event, made when it is created');
      }
      if (args.type === 'm.room.redaction' && args.state_key === undefined) {
        // A redaction sent as a plain event redacts as surely as one sent through /redact.
        const content = parseContent(args.content_json);
        if (typeof content.redacts !== 'string')
          throw new AppError('M_BAD_JSON', 'an m.room.redaction needs content.redacts, the event to redact');
        return redactEvent(ctx, args.room_id, content.redacts, content, args.txn);
      }
      const draft = {
        type: args.type,
        sender: ctx.caller,
        content: parseContent(args.content_json),
        ...(args.txn ? { txn: args.txn } : {}),
      };
      return {
        event_id: appendEvent(ctx, args.room_id, args.state_key === undefined ? draft : { ...draft, state_key: args.state_key }).event_id,
      };
    },
  ),
  /**
   * Redacts an event: allowed for one's own events, or with the room's `redact` level. The
   * redaction event is kept; the target's content is removed as room version 11 prescribes.
   */
  redact: method(
    Type.Object(
      {
        room_id: RoomId,
        event_id: Type.String({ maxLength: 255 }),
        reason: Type.Optional(Type.String({ maxLength: 1024 })),
        txn: Txn,
      },
      { additionalProperties: false },
    ),
    (ctx, args) =>
      redactEvent(ctx, args.room_id, args.event_id, { redacts: args.event_id, ...(args.reason ? { reason: args.reason } : {}) }, args.txn),
  ),
  /** Join, leave, invite, kick, ban or unban: a membership event by the caller about `target`. */
  membership: method(
    Type.Object(
      {
        room_id: RoomId,
        target: UserId,
        membership: Type.Union([Type.Literal('join'), Type.Literal('leave'), Type.Literal('invite'), Type.Literal('ban')]),
        reason: Type.Optional(Type.String({ maxLength: 1024 })),
        /** The target's memberships this change applies to: a kick is not an unban, nor the reverse. */
        from: Type.Optional(Type.Array(Type.String({ maxLength: 16 }), { maxItems: 8 })),
      },
      { additionalProperties: false },
    ),
    (ctx, args) => {
      if (args.from) {
        const current = membershipOf(ctx.store, args.room_id, args.target)?.membership ?? 'none';
        if (!args.from.includes(current)) {
          throw new AppError('M_FORBIDDEN', `${args.target}'s membership is ${current}; this applies only to ${args.from.join(' or ')}`);
        }
      }
      // Joins and invites carry the person's profile, so members see names without asking.
      const profile = args.membership === 'join' || args.membership === 'invite' ? profileOf(ctx, args.target) : {};
      const content: JsonObject = { membership: args.membership, ...profile, ...(args.reason ? { reason: args.reason } : {}) };
      const appended = appendEvent(ctx, args.room_id, { type: 'm.room.member', state_key: args.target, sender: ctx.caller, content });
      return { event_id: appended.event_id };
    },
  ),
  /**
   * Forgets a room the caller has left or was banned from: it leaves their sync and they can
   * no longer read its history, until they join, are invited or knock again. Forgetting a room
   * one was never in changes nothing (as Synapse answers it).
   */
  forget_room: method(Type.Object({ room_id: RoomId }, { additionalProperties: false }), (ctx, args) => {
    const membership = membershipOf(ctx.store, args.room_id, ctx.caller)?.membership;
    if (membership === undefined) return {};
    if (membership !== 'leave' && membership !== 'ban') {
      throw new AppError('M_UNKNOWN', `${ctx.caller} is in room ${args.room_id} (membership ${membership}); leave it before forgetting it`);
    }
    ctx.store.put('forgotten_rooms', { user_id: ctx.caller, room_id: args.room_id });
    return {};
  }),
};

/**
 * Redacts an event: allowed for one's own events, or with the room's `redact` level. The
 * redaction event is kept; the target's content is removed as room version 11 prescribes.
 */
function redactEvent(
  ctx: AppContext,
  roomId: string,
  targetId: string,
  content: JsonObject,
  txn: { device_id: string; txn_id: string } | undefined,
): { event_id: string } {
  const target = ctx.store.get<EventRow>('events', targetId);
  if (!target || target.room_id !== roomId) throw new AppError('M_NOT_FOUND', `there is no event ${targetId} in this room`);
  if (target.sender !== ctx.caller) {
    const state = new StoredRoomState(ctx.store, roomId);
    const levels = readPowerLevels(stateEvent(state, 'm.room.power_levels', ''), stateEvent(state, 'm.room.create', ''));
    const level = userLevel(levels, ctx.caller);
    if (level < levels.redact) {
      throw new AppError('M_FORBIDDEN', `${ctx.caller} has power level ${level}; redacting someone else's event needs ${levels.redact}`);
    }
  }
  const appended = appendEvent(ctx, roomId, { type: 'm.room.redaction', sender: ctx.caller, content, ...(txn ? { txn } : {}) });
  applyRedaction(ctx, roomId, appended.event_id, targetId);
  return { event_id: appended.event_id };
}

/** The display name and avatar a member event carries: the person's profile, as far as it is set. */
function profileOf(ctx: AppContext, userId: string): JsonObject {
  const profile = ctx.store.get<{ displayname: string | null; avatar_url: string | null }>('profiles', userId);
  return {
    ...(profile?.displayname ? { displayname: profile.displayname } : {}),
    ...(profile?.avatar_url ? { avatar_url: profile.avatar_url } : {}),
  };
}

/**
 * Carries a changed profile into the member event of every room the user is joined to. A
 * room whose rules refuse the update (none should) keeps the old name rather than failing
 * the change for every other room.
 */
export function announceProfile(ctx: AppContext, userId: string): string[] {
  const content = { membership: 'join', ...profileOf(ctx, userId) };
  const changed: string[] = [];
  for (const roomId of joinedRoomsOf(ctx.store, userId)) {
    try {
      appendEvent(ctx, roomId, { type: 'm.room.member', state_key: userId, sender: userId, content });
      changed.push(roomId);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
    }
  }
  return changed;
}

/** A deactivated account leaves every room it is in and declines every invite it holds. */
export function leaveAllRooms(ctx: AppContext, userId: string): string[] {
  const rooms = ctx.store.select<{ room_id: string }>(
    "SELECT room_id FROM {memberships} WHERE user_id = ? AND membership IN ('join', 'invite', 'knock') ORDER BY room_id",
    userId,
  );
  const left: string[] = [];
  for (const { room_id } of rooms) {
    try {
      appendEvent(ctx, room_id, { type: 'm.room.member', state_key: userId, sender: userId, content: { membership: 'leave' } });
      left.push(room_id);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
    }
  }
  return left;
}

function parseContent(json: string): JsonObject {
  let content: unknown;
  try {
    content = JSON.parse(json);
  } catch {
    throw new AppError('M_BAD_JSON', 'the event content is not JSON');
  }
  if (content === null || typeof content !== 'object' || Array.isArray(content))
    throw new AppError('M_BAD_JSON', 'the event content must be a JSON object');
  return content as JsonObject;
}

/** Every read of rooms: timelines, state, members, single events and their context, relations. */
export const roomQueries = { ...roomReadQueries, ...relationQueries };
