import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import type { NodeContext } from '../../node/index.ts';
import type { EncryptionSync } from '../app/encryption-sync.ts';
import type { RoomsSync } from '../app/sync.ts';
import { eventMatcher } from '../filter/index.ts';
import type { PresenceStore } from '../presence.ts';
import { Notifier } from '../sync/notifier.ts';
import { addTypingSection, newlyMet } from '../sync/streams/index.ts';
import { formatSyncToken, MAX_TOKEN_LENGTH, parseSyncToken, type SyncPosition } from '../sync/token.ts';
import type { TypingStore } from '../typing.ts';
import { authenticate, sessionOf } from './authenticate.ts';
import { runCommand, runQuery } from './commands.ts';
import { filterOf, timelineLimit } from './filter.ts';
import { clientRoute } from './matrix-routes.ts';
import { PresenceStateSchema, presenceEvents } from './presence.ts';

const SyncQuery = Type.Object({
  since: Type.Optional(Type.String({ maxLength: MAX_TOKEN_LENGTH })),
  timeout: Type.Optional(Type.Integer({ minimum: 0 })),
  filter: Type.Optional(Type.String({ maxLength: 16_384 })),
  full_state: Type.Optional(Type.Boolean()),
  set_presence: Type.Optional(PresenceStateSchema),
  use_state_after: Type.Optional(Type.Boolean()),
});

/** The longest a sync waits for something to happen. */
const MAX_TIMEOUT_MS = 60_000;

/**
 * GET /sync. The `since` token holds each stream's position (sync/token.ts), so it is valid on
 * every replica and across restarts. With nothing new and a timeout, the request waits until
 * the notifier says a stream moved for something that concerns the user (sync/notifier.ts),
 * and asks again. Each sync keeps its device present (`set_presence`) while it runs.
 */
export function registerSync(server: FastifyInstance, node: NodeContext, typing: TypingStore, presence: PresenceStore): void {
  const notifier = new Notifier(node, typing, presence);
  let closing = false;
  server.addHook('preClose', async () => {
    closing = true;
    typing.close();
    notifier.close();
  });

  clientRoute(server, 'GET', '/sync', { querystring: SyncQuery }, async (request, reply) => {
    const session = authenticate(request, node.subnet);
    const query = request.query as Static<typeof SyncQuery>;
    // full_state asks for every room's whole state; the timeline and everything else still run from the token.
    const token = query.since === undefined ? undefined : parseSyncToken(query.since, 'since');
    const fullState = query.full_state === true;
    const toDeviceSince = token === undefined ? undefined : (token.toDevice ?? token.stream);
    const since = token?.stream;
    // Serials of another node or an earlier run of this one mean nothing here: such a client is told presence afresh.
    const presenceSince = token?.presence?.instance === presence.instance ? token.presence.serial : undefined;
    const filter = filterOf(node, query.filter, session.userId);
    const limit = timelineLimit(filter);
    const presenceAllowed = eventMatcher(filter.presence);
    const deadline = Date.now() + Math.min(query.timeout ?? 0, MAX_TIMEOUT_MS);
    const ask = () => {
      const typingPosition = typing.position;
      const presencePosition = presence.position;
      const args = {
        limit,
        filter,
        device_id: session.deviceId,
        ...(since === undefined ? {} : { since }),
        ...(fullState ? { full_state: true } : {}),
      };
      const rooms = runQuery<RoomsSync>(node.subnet, 'sync_rooms', args, session.userId);
      // Typing and presence are looked at only when their streams moved past the token (or a room-mate is new).
      const typingMoved = token === undefined || typingPosition > token.typing;
      const typed =
        typingMoved && addTypingSection(rooms, runQuery<string[]>(node.subnet, 'joined_rooms', {}, session.userId), typing, token?.typing);
      const met = newlyMet(rooms, session.userId);
      const presenceMoved = presenceSince === undefined || presencePosition > presenceSince || met.size > 0;
      const presenceNews = presenceMoved ? presenceEvents(node, presence, session.userId, presenceSince, met).filter(presenceAllowed) : [];
      const encryption = runQuery<EncryptionSync>(
        node.subnet,
        'encryption_sync',
        {
          device_id: session.deviceId,
          ...(since === undefined ? {} : { since }),
          ...(toDeviceSince === undefined ? {} : { to_device_since: toDeviceSince }),
        },
        session.userId,
      );
      return { rooms, typingPosition, typed, presencePosition, presenceNews, encryption };
    };
    /** Whether nothing in the log's streams concerns the user since the token, and no typing or presence has changed around them. */
    const caughtUp = (token: SyncPosition, rooms: readonly string[]) =>
      token.toDevice === undefined &&
      runQuery<boolean>(node.subnet, 'sync_caught_up', { since: token.stream }, session.userId) &&
      !rooms.some((room) => typing.changedSince(room, token.typing)) &&
      presenceSince !== undefined &&
      presence.position <= presenceSince;
    const syncEnded = presence.syncStarted(session.userId, session.deviceId, query.set_presence);
    let answer: ReturnType<typeof ask>;
    try {
      // A client that went away (a stopped app aborts its long-poll) ends the wait at once.
      const gone = () => reply.raw.destroyed || reply.raw.writableEnded;
      const mayWait = () => token !== undefined && !fullState && !closing && !gone() && Date.now() < deadline;
      const roomsOfUser = () => runQuery<string[]>(node.subnet, 'sync_rooms_of', {}, session.userId);
      // Most long-polls come back with the token just answered: when nothing can be new to it,
      // wait before working out a whole answer. (The waits are awaited here, not in a helper, so
      // that a woken sync answers within as few turns as the send that woke it.)
      // Each step's queries run in one read transaction (one snapshot, one lock). The rooms to wait on, when caught up:
      const waitOn =
        token !== undefined && mayWait()
          ? node.subnet.read(() => {
              const rooms = roomsOfUser();
              return caughtUp(token, rooms) ? rooms : undefined;
            })
          : undefined;
      // The session may have ended while this request waited: it is checked again with the answer.
      const reauthenticatedAsk = () => {
        sessionOf(node.subnet, session.tokenHash);
        return ask();
      };
      if (waitOn !== undefined) {
        await notifier.wait(session.userId, waitOn, deadline - Date.now(), reply.raw);
        answer = node.subnet.read(reauthenticatedAsk);
      } else answer = node.subnet.read(ask);
      const quiet = () =>
        isEmpty(answer.rooms) && !answer.typed && answer.presenceNews.length === 0 && !hasEncryptionNews(answer.encryption);
      while (quiet() && mayWait()) {
        await notifier.wait(session.userId, node.subnet.read(roomsOfUser), deadline - Date.now(), reply.raw);
        answer = node.subnet.read(reauthenticatedAsk);
      }
    } finally {
      syncEnded();
    }
    const { rooms, typingPosition, presencePosition, encryption } = answer;
    if (toDeviceSince !== undefined && encryption.to_device.acknowledgedPending)
      acknowledgeToDevice(node, session.userId, session.deviceId, toDeviceSince);
    return {
      next_batch: formatSyncToken({
        stream: rooms.position,
        typing: typingPosition,
        presence: { instance: presence.instance, serial: presencePosition },
        // Past a full batch of to-device messages, the token says how far delivery got.
        ...(encryption.to_device.reached === undefined ? {} : { toDevice: encryption.to_device.reached }),
      }),
      rooms: { join: rooms.join, invite: rooms.invite, leave: rooms.leave, knock: {} },
      presence: { events: answer.presenceNews },
      account_data: { events: rooms.account_data },
      to_device: { events: encryption.to_device.events },
      device_lists: encryption.device_lists ?? { changed: [], left: [] },
      device_one_time_keys_count: encryption.device_one_time_keys_count,
      device_unused_fallback_key_types: encryption.device_unused_fallback_key_types,
    };
  });
}

function hasEncryptionNews(encryption: EncryptionSync): boolean {
  const lists = encryption.device_lists;
  return encryption.to_device.events.length > 0 || (lists !== undefined && lists.changed.length + lists.left.length > 0);
}

const acknowledging = new Set<string>();

/**
 * A sync from a token says the device received the to-device messages up to it: they are
 * deleted, through the log. The sync does not wait for that; the messages are past its token
 * either way, and a deletion that fails is retried at the device's next sync.
 */
function acknowledgeToDevice(node: NodeContext, userId: string, deviceId: string, upTo: number): void {
  const key = `${userId}|${deviceId}`;
  if (acknowledging.has(key)) return;
  acknowledging.add(key);
  runCommand(node.subnet, 'acknowledge_to_device', { device_id: deviceId, up_to: upTo }, userId)
    .catch(() => {})
    .finally(() => acknowledging.delete(key));
}

function isEmpty(rooms: RoomsSync): boolean {
  return (
    rooms.account_data.length + Object.keys(rooms.join).length + Object.keys(rooms.invite).length + Object.keys(rooms.leave).length === 0
  );
}
