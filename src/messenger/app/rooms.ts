import Type, { type Static } from 'typebox';
import { type AppContext, AppError, type AppStore, method, type QueryContext, query } from '../../subnet/index.ts';
import { type ClientEvent, type JsonObject, type Pdu, toClientEvent } from '../events/index.ts';
import { readPowerLevels, stateEvent, userLevel } from '../rooms/index.ts';
import { aliasNewRoom } from './directory.ts';
import { appendEvent, applyRedaction, recordRoom } from './room-events.ts';
import { currentState, currentStateEvent, StoredRoomState } from './room-state.ts';
import type { EventRow } from './room-tables.ts';
import { canSee } from './visibility.ts';

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

function createRoom(ctx: AppContext, args: Static<typeof CreateRoomArgs>): { room_id: string; creator: string; invited: string[] } {
  const creator = ctx.caller;
  const roomId = `!${ctx.random.string(18)}:${args.server_name}`;
  const preset = args.preset ?? (args.visibility === 'public' ? 'public_chat' : 'private_chat');
  const send = (type: string, content: JsonObject, stateKey = '') =>
    appendEvent(ctx, roomId, { type, state_key: stateKey, sender: creator, content });
  const create = send('m.room.create', { ...(args.creation_content as JsonObject | undefined), room_version: '11' });
  recordRoom(ctx, roomId, create.event_id, creator, args.visibility ?? 'private');
  send('m.room.member', { membership: 'join' }, creator);
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
    send('m.room.member', { membership: 'invite', ...(args.is_direct ? { is_direct: true } : {}) }, invitee);
  }
  return { room_id: roomId, creator, invited: args.invite ?? [] };
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
      const draft = {
        type: args.type,
        sender: ctx.caller,
        content: parseContent(args.content_json),
        ...(args.txn ? { txn: args.txn } : {}),
      };
      return {
        event_id: appendEvent(ctx, args.room_id, args.state_key === undefined ? draft : { ...draft, state_key: args.state_key }).event_id,
        room_id: args.room_id,
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
    (ctx, args) => {
      const target = ctx.store.get<EventRow>('events', args.event_id);
      if (!target || target.room_id !== args.room_id) throw new AppError('M_NOT_FOUND', `there is no event ${args.event_id} in this room`);
      if (target.sender !== ctx.caller) {
        const state = new StoredRoomState(ctx.store, args.room_id);
        const levels = readPowerLevels(stateEvent(state, 'm.room.power_levels', ''), stateEvent(state, 'm.room.create', ''));
        const level = userLevel(levels, ctx.caller);
        if (level < levels.redact) {
          throw new AppError(
            'M_FORBIDDEN',
            `${ctx.caller} has power level ${level}; redacting someone else's event needs ${levels.redact}`,
          );
        }
      }
      const content: JsonObject = { redacts: args.event_id, ...(args.reason ? { reason: args.reason } : {}) };
      const draft = { type: 'm.room.redaction', sender: ctx.caller, content, ...(args.txn ? { txn: args.txn } : {}) };
      const appended = appendEvent(ctx, args.room_id, draft);
      applyRedaction(ctx, args.room_id, appended.event_id, args.event_id);
      return { event_id: appended.event_id, room_id: args.room_id };
    },
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
      const content: JsonObject = { membership: args.membership, ...(args.reason ? { reason: args.reason } : {}) };
      const appended = appendEvent(ctx, args.room_id, { type: 'm.room.member', state_key: args.target, sender: ctx.caller, content });
      return { event_id: appended.event_id, room_id: args.room_id, target: args.target };
    },
  ),
};

const Paging = Type.Object(
  {
    room_id: RoomId,
    from: Type.Optional(Type.Integer({ minimum: 0 })),
    to: Type.Optional(Type.Integer({ minimum: 0 })),
    dir: Type.Union([Type.Literal('b'), Type.Literal('f')]),
    limit: Type.Integer({ minimum: 1, maximum: 1000 }),
  },
  { additionalProperties: false },
);

export const roomQueries = {
  joined_rooms: query(Type.Object({}, { additionalProperties: false }), (ctx) =>
    ctx.store
      .select<{ room_id: string }>(
        "SELECT room_id FROM {memberships} WHERE user_id = ? AND membership = 'join' ORDER BY room_id",
        ctx.caller,
      )
      .map((r) => r.room_id),
  ),
  /** A page of the room's timeline, as far as the caller may see it. */
  messages: query(Paging, (ctx, args) => {
    requireStanding(ctx, args.room_id);
    const head = ctx.store.get<{ name: string; value: number }>('counters', 'stream')?.value ?? 0;
    // Every token means "after stream t": backwards from t returns t and older, forwards newer than t.
    const backwards = args.dir === 'b';
    const from = args.from ?? (backwards ? head : 0);
    const lower = backwards ? (args.to ?? 0) + 1 : from + 1;
    const upper = backwards ? from : (args.to ?? Number.MAX_SAFE_INTEGER);
    const rows = ctx.store.select<EventRow>(
      `SELECT * FROM {events} WHERE room_id = ? AND stream BETWEEN ? AND ? ORDER BY stream ${backwards ? 'DESC' : 'ASC'} LIMIT ?`,
      args.room_id,
      lower,
      upper,
      args.limit,
    );
    const last = rows.at(-1);
    const more = last !== undefined && rows.length === args.limit;
    return {
      chunk: rows.filter((row) => canSee(ctx.store, ctx.caller, row)).map((row) => clientEventWithUnsigned(ctx.store, row)),
      start: from,
      ...(more ? { end: backwards ? last.stream - 1 : last.stream } : {}),
    };
  }),
  /** The room's current state, for a member. */
  state: query(Type.Object({ room_id: RoomId }, { additionalProperties: false }), (ctx, args) => {
    requireJoined(ctx, args.room_id);
    return currentState(ctx.store, args.room_id).map(clientEventOf);
  }),
  state_event: query(
    Type.Object({ room_id: RoomId, type: EventType, state_key: Type.String() }, { additionalProperties: false }),
    (ctx, args) => {
      requireJoined(ctx, args.room_id);
      const row = currentStateEvent(ctx.store, args.room_id, args.type, args.state_key);
      if (!row) throw new AppError('M_NOT_FOUND', `the room has no ${args.type} state with key "${args.state_key}"`);
      return (JSON.parse(row.pdu) as Pdu).content;
    },
  ),
  members: query(Type.Object({ room_id: RoomId }, { additionalProperties: false }), (ctx, args) => {
    requireJoined(ctx, args.room_id);
    return ctx.store
      .select<EventRow>(
        'SELECT * FROM {events} WHERE event_id IN (SELECT event_id FROM {memberships} WHERE room_id = ?) ORDER BY state_key',
        args.room_id,
      )
      .map(clientEventOf);
  }),
  event: query(
    Type.Object({ room_id: RoomId, event_id: Type.String({ maxLength: 255 }) }, { additionalProperties: false }),
    (ctx, args) => {
      const row = ctx.store.get<EventRow>('events', args.event_id);
      if (!row || row.room_id !== args.room_id || !canSee(ctx.store, ctx.caller, row)) {
        throw new AppError('M_NOT_FOUND', 'no such event in this room, or you may not see it');
      }
      return clientEventOf(row);
    },
  ),
};

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

function clientEventOf(row: EventRow): ClientEvent {
  return toClientEvent(JSON.parse(row.pdu) as Pdu, row.event_id);
}

/** A stored event as clients see it, with the redaction that emptied it, if one did. */
function clientEventWithUnsigned(store: AppStore, row: EventRow): ClientEvent {
  if (row.redacted_by === null) return clientEventOf(row);
  const redaction = store.get<EventRow>('events', row.redacted_by);
  return toClientEvent(
    JSON.parse(row.pdu) as Pdu,
    row.event_id,
    redaction ? { redacted_because: clientEventOf(redaction) as unknown as JsonObject } : undefined,
  );
}

function membershipOf(
  store: AppStore,
  roomId: string,
  userId: string,
): { membership: string; stream: number; visible_until: number | null } | undefined {
  return store.get<{ membership: string; stream: number; visible_until: number | null }>('memberships', {
    user_id: userId,
    room_id: roomId,
  });
}

function requireJoined(ctx: QueryContext, roomId: string): void {
  if (membershipOf(ctx.store, roomId, ctx.caller)?.membership !== 'join') {
    throw new AppError('M_FORBIDDEN', `${ctx.caller} is not in room ${roomId}`);
  }
}

/**
 * Whether the caller may read a room's history at all: joined now, joined once, or invited.
 * Which events they then see is for the history-visibility rules to say, event by event.
 */
function requireStanding(ctx: QueryContext, roomId: string): void {
  const membership = membershipOf(ctx.store, roomId, ctx.caller);
  const standing = membership?.membership === 'join' || membership?.membership === 'invite' || (membership?.visible_until ?? null) !== null;
  if (!standing) throw new AppError('M_FORBIDDEN', `${ctx.caller} is not in room ${roomId}`);
}
