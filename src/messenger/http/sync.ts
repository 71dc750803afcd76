import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import { ApiError, type NodeContext } from '../../node/index.ts';
import type { AppliedBlock } from '../../subnet/index.ts';
import type { RoomsSync } from '../app/sync.ts';
import type { TypingStore } from '../typing.ts';
import { authenticate } from './authenticate.ts';
import { runQuery } from './commands.ts';
import { timelineLimitOf } from './filter.ts';
import { clientRoute } from './matrix-routes.ts';

const SyncQuery = Type.Object({
  since: Type.Optional(Type.String({ maxLength: 64 })),
  timeout: Type.Optional(Type.Integer({ minimum: 0 })),
  filter: Type.Optional(Type.String({ maxLength: 16_384 })),
  full_state: Type.Optional(Type.Boolean()),
  set_presence: Type.Optional(Type.String({ maxLength: 32 })),
  use_state_after: Type.Optional(Type.Boolean()),
});

/** The longest a sync waits for something to happen. */
const MAX_TIMEOUT_MS = 60_000;

/**
 * GET /sync. The `since` token is a stream position (`s<n>`), the subnet's order of accepted
 * events, so it is valid on every replica and across restarts. With nothing new and a
 * timeout, the request waits until this replica applies a block, and asks again.
 */
export function registerSync(server: FastifyInstance, node: NodeContext, typing: TypingStore): void {
  const waiters = new Set<Waiter>();
  const wakeAll = () => {
    for (const waiter of [...waiters]) waiter.wake();
  };
  // A block wakes only the requests it concerns: those of users whose rooms it touched, or
  // who it named (an invitee, a room's creator, an owner of account data).
  const wakeTouched = (rooms: ReadonlySet<string>, users: ReadonlySet<string>) => {
    for (const waiter of [...waiters]) {
      if (users.has(waiter.userId) || [...waiter.rooms].some((room) => rooms.has(room))) waiter.wake();
    }
  };
  const unsubscribe = [
    node.subnet.onApplied((blocks) => {
      const { rooms, users } = touchedBy(blocks);
      wakeTouched(rooms, users);
    }),
    typing.subscribe((roomId) => wakeTouched(new Set([roomId]), new Set())),
  ];
  let closing = false;
  server.addHook('preClose', async () => {
    closing = true;
    for (const stop of unsubscribe) stop();
    typing.close();
    wakeAll();
  });

  clientRoute(server, 'GET', '/sync', { querystring: SyncQuery }, async (request, reply) => {
    const session = authenticate(request, node.subnet);
    const query = request.query as Static<typeof SyncQuery>;
    const token = query.full_state ? undefined : sinceOf(query.since);
    const since = token?.stream;
    const limit = timelineLimitOf(node, query.filter, session.userId);
    const deadline = Date.now() + Math.min(query.timeout ?? 0, MAX_TIMEOUT_MS);
    const ask = () => {
      const typingPosition = typing.position;
      const args = { limit, device_id: session.deviceId, ...(since === undefined ? {} : { since }) };
      const rooms = runQuery<RoomsSync>(node.subnet, 'sync_rooms', args, session.userId);
      const typed = addTyping(rooms, runQuery<string[]>(node.subnet, 'joined_rooms', {}, session.userId), typing, token?.typing);
      return { rooms, typingPosition, typed };
    };
    let answer = ask();
    // A client that went away (a stopped app aborts its long-poll) ends the wait at once.
    const gone = () => reply.raw.destroyed || reply.raw.writableEnded;
    while (token !== undefined && isEmpty(answer.rooms) && !answer.typed && !closing && !gone() && Date.now() < deadline) {
      const rooms = new Set(runQuery<string[]>(node.subnet, 'sync_rooms_of', {}, session.userId));
      await nextChange(waiters, session.userId, rooms, deadline - Date.now(), reply.raw);
      // The session may have ended while this request waited.
      authenticate(request, node.subnet);
      answer = ask();
    }
    const { rooms, typingPosition } = answer;
    return {
      next_batch: `s${rooms.position}_t${typingPosition}`,
      rooms: { join: rooms.join, invite: rooms.invite, leave: rooms.leave, knock: {} },
      presence: { events: [] },
      account_data: { events: rooms.account_data },
      to_device: { events: [] },
      device_lists: { changed: [], left: [] },
      device_one_time_keys_count: {},
    };
  });
}

/**
 * A since token: the stream position (`s<n>`), and the typing serial of this node (`_t<n>`),
 * which another node or a restart does not know — then typing is simply sent afresh.
 */
function sinceOf(token: string | undefined): { stream: number; typing: number } | undefined {
  if (token === undefined) return undefined;
  const match = /^s(\d{1,16})(?:_t(\d{1,16}))?$/.exec(token);
  if (!match) throw new ApiError(400, 'M_INVALID_PARAM', 'since is not a token this server issued; start again without it');
  return { stream: Number(match[1]), typing: Number(match[2] ?? 0) };
}

/** Adds m.typing to every joined room whose typing changed since the token; true if any did. */
function addTyping(rooms: RoomsSync, joined: readonly string[], typing: TypingStore, since: number | undefined): boolean {
  let added = false;
  for (const roomId of joined) {
    const users = typing.usersTyping(roomId);
    const changed = since === undefined ? users.length > 0 : typing.changedSince(roomId, since);
    if (!changed) continue;
    const room = rooms.join[roomId] ?? {
      state: { events: [] },
      timeline: { events: [], limited: false, prev_batch: `s${rooms.position}` },
      ephemeral: { events: [] },
      account_data: { events: [] },
      unread_notifications: { notification_count: 0, highlight_count: 0 },
    };
    rooms.join[roomId] = room;
    room.ephemeral.events.push({ type: 'm.typing', content: { user_ids: users } });
    added = true;
  }
  return added;
}

function isEmpty(rooms: RoomsSync): boolean {
  return (
    rooms.account_data.length + Object.keys(rooms.join).length + Object.keys(rooms.invite).length + Object.keys(rooms.leave).length === 0
  );
}

interface Waiter {
  userId: string;
  rooms: ReadonlySet<string>;
  wake(): void;
}

/** Waits until something concerning the user or their rooms happens, the client goes, or time is up. */
function nextChange(
  waiters: Set<Waiter>,
  userId: string,
  rooms: ReadonlySet<string>,
  timeoutMs: number,
  connection: ServerResponse,
): Promise<void> {
  return new Promise((resolve) => {
    const waiter: Waiter = {
      userId,
      rooms,
      wake: () => {
        clearTimeout(timer);
        waiters.delete(waiter);
        connection.off('close', waiter.wake);
        resolve();
      },
    };
    const timer = setTimeout(waiter.wake, Math.max(0, timeoutMs));
    connection.once('close', waiter.wake);
    waiters.add(waiter);
  });
}

/** The rooms and users that the messenger's commands in these blocks concerned. */
function touchedBy(blocks: readonly AppliedBlock[]): { rooms: Set<string>; users: Set<string> } {
  const rooms = new Set<string>();
  const users = new Set<string>();
  for (const { results } of blocks) {
    for (const result of results) {
      if (result.app !== 'messenger' || !result.ok || result.value === null || typeof result.value !== 'object') continue;
      const value = result.value as { room_id?: unknown; target?: unknown; user_id?: unknown; creator?: unknown; invited?: unknown };
      if (typeof value.room_id === 'string') rooms.add(value.room_id);
      for (const user of [value.target, value.user_id, value.creator, ...(Array.isArray(value.invited) ? value.invited : [])]) {
        if (typeof user === 'string') users.add(user);
      }
    }
  }
  return { rooms, users };
}
