import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import { ApiError, type NodeContext } from '../../node/index.ts';
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
  const wakers = new Set<() => void>();
  const wakeAll = () => {
    for (const wake of [...wakers]) wake();
  };
  const unsubscribe = [node.subnet.onApplied(wakeAll), typing.subscribe(wakeAll)];
  let closing = false;
  server.addHook('preClose', async () => {
    closing = true;
    for (const stop of unsubscribe) stop();
    typing.close();
    wakeAll();
  });

  clientRoute(server, 'GET', '/sync', { querystring: SyncQuery }, async (request) => {
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
    while (token !== undefined && isEmpty(answer.rooms) && !answer.typed && !closing && Date.now() < deadline) {
      await nextBlock(wakers, deadline - Date.now());
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
    const room = (rooms.join[roomId] ??= {
      state: { events: [] },
      timeline: { events: [], limited: false, prev_batch: `s${rooms.position}` },
      ephemeral: { events: [] },
      account_data: { events: [] },
      unread_notifications: { notification_count: 0, highlight_count: 0 },
    });
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

function nextBlock(wakers: Set<() => void>, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const wake = () => {
      clearTimeout(timer);
      wakers.delete(wake);
      resolve();
    };
    const timer = setTimeout(wake, Math.max(0, timeoutMs));
    wakers.add(wake);
  });
}
