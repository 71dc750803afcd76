import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import { ApiError, type NodeContext } from '../../node/index.ts';
import type { PresenceContent, PresenceStore } from '../presence.ts';
import { authenticate } from './authenticate.ts';
import { runQuery } from './commands.ts';
import { clientRoute } from './matrix-routes.ts';

export const PresenceStateSchema = Type.Union([Type.Literal('online'), Type.Literal('unavailable'), Type.Literal('offline')]);
const Params = Type.Object({ userId: Type.String({ minLength: 1, maxLength: 255 }) });
const Body = Type.Object({
  presence: PresenceStateSchema,
  status_msg: Type.Optional(Type.Union([Type.String({ maxLength: 1024 }), Type.Null()])),
});

/**
 * GET/PUT /presence/{userId}/status. Anyone may set only their own presence; anyone may read
 * the presence of a user they share a room with (which is whom sync tells it to anyway).
 */
export function registerPresence(server: FastifyInstance, node: NodeContext, presence: PresenceStore): void {
  clientRoute(server, 'PUT', '/presence/:userId/status', { params: Params, body: Body }, async (request) => {
    const session = authenticate(request, node.subnet);
    const { userId } = request.params as Static<typeof Params>;
    if (userId !== session.userId) throw new ApiError(403, 'M_FORBIDDEN', 'you can only set your own presence');
    const body = request.body as Static<typeof Body>;
    presence.set(userId, session.deviceId, body.presence, body.status_msg ?? undefined);
    return {};
  });
  clientRoute(server, 'GET', '/presence/:userId/status', { params: Params }, async (request) => {
    const session = authenticate(request, node.subnet);
    const { userId } = request.params as Static<typeof Params>;
    if (userId !== session.userId) {
      // Answers M_NOT_FOUND for a user who does not exist.
      runQuery(node.subnet, 'profile', { user_id: userId }, session.userId);
      const shared = runQuery<string[]>(node.subnet, 'users_sharing_a_room', { user_ids: [userId] }, session.userId);
      if (!shared.includes(userId)) throw new ApiError(403, 'M_FORBIDDEN', `you share no room with ${userId}, so their presence is theirs`);
    }
    return presence.contentOf(userId);
  });
}

/** The room-mates a sync may ask about at once. */
const BATCH = 1000;

/**
 * The m.presence events for a sync of `userId`: their own presence and their room-mates',
 * where it changed since the token's serial (all that is worth telling, without one), and
 * the presence of `newlyMet` users — who joined a room with them, or whose room they joined —
 * whatever its age.
 */
export function presenceEvents(
  node: NodeContext,
  presence: PresenceStore,
  userId: string,
  since: number | undefined,
  newlyMet: Iterable<string>,
): { type: 'm.presence'; sender: string; content: PresenceContent }[] {
  // Presence serials are the node's, not the user's: a token from before many others came
  // online is behind all of them. Then the room-mates, when fewer, are looked through instead.
  const changes = since === undefined ? 0 : presence.changesAfter(since);
  if (since !== undefined && changes > FEW_CHANGES) {
    const mates = runQuery<string[] | null>(node.subnet, 'room_mates', { at_most: changes }, userId);
    if (mates !== null) return eventsOf(presence, changedMates(presence, userId, since, mates, newlyMet));
  }
  const candidates = new Set(presence.changedSince(since));
  for (const other of newlyMet) if (presence.isKnown(other)) candidates.add(other);
  const visible = candidates.has(userId) ? [userId] : [];
  const others = [...candidates].filter((candidate) => candidate !== userId);
  for (let start = 0; start < others.length; start += BATCH) {
    visible.push(...runQuery<string[]>(node.subnet, 'users_sharing_a_room', { user_ids: others.slice(start, start + BATCH) }, userId));
  }
  return eventsOf(presence, visible);
}

/** Of `userId` and their room-mates, those whose presence changed after `since`, and the newly met ones this node knows. */
function changedMates(
  presence: PresenceStore,
  userId: string,
  since: number,
  mates: readonly string[],
  newlyMet: Iterable<string>,
): Set<string> {
  const visible = new Set(mates.filter((mate) => presence.changedAfter(mate, since)));
  if (presence.changedAfter(userId, since)) visible.add(userId);
  const mateSet = new Set(mates);
  for (const other of newlyMet) if (mateSet.has(other) && presence.isKnown(other)) visible.add(other);
  return visible;
}

/** Past this many presence changes since a token, a sync looks through the user's room-mates if they are fewer. */
const FEW_CHANGES = 64;

function eventsOf(presence: PresenceStore, users: Iterable<string>): { type: 'm.presence'; sender: string; content: PresenceContent }[] {
  return [...users].sort().map((sender) => ({ type: 'm.presence', sender, content: presence.contentOf(sender) }));
}
