import Type from 'typebox';
import { type AppContext, AppError, type AppStore, query } from '../../subnet/index.ts';
import type { JsonObject } from '../events/index.ts';
import { requireStanding, visibleEvent } from './room-access.ts';
import { type EventRow, streamHead } from './room-tables.ts';
import { servedEvent } from './served-events.ts';
import { canSee } from './visibility.ts';

/** How many levels of relations `recurse` follows: the specification asks for at least 3. */
const RECURSION_DEPTH = 3;

interface Relation {
  rel_type: string;
  event_id: string;
  /** An annotation's key. */
  key?: string;
}

/**
 * The event's relation to a parent: the cleartext `m.relates_to` with a `rel_type` (a reply's
 * `m.in_reply_to` alone is not one). Encrypted events carry it in the clear too, so they count.
 */
export function relationOf(content: JsonObject): Relation | undefined {
  const relation = content['m.relates_to'];
  if (relation === null || typeof relation !== 'object' || Array.isArray(relation)) return undefined;
  const { rel_type: relType, event_id: eventId, key } = relation;
  if (typeof relType !== 'string' || relType.length === 0 || typeof eventId !== 'string' || !eventId.startsWith('$')) return undefined;
  return { rel_type: relType, event_id: eventId, ...(relType === 'm.annotation' && typeof key === 'string' ? { key } : {}) };
}

interface RelationDraft {
  type: string;
  sender: string;
  content: JsonObject;
}

/**
 * Refuses, before an event is stored, the relations the specification asks servers to refuse:
 * a second identical annotation by the same sender (event annotations §Avoiding duplicate
 * annotations), and a thread started from an event that itself relates to another (threading
 * §Validation).
 */
export function checkRelation(store: AppStore, draft: RelationDraft): void {
  const relation = relationOf(draft.content);
  if (!relation) return;
  if (relation.rel_type === 'm.annotation' && relation.key !== undefined) {
    const duplicate = store.selectOne(
      `SELECT 1 AS one FROM {event_relations} WHERE relates_to = ? AND rel_type = 'm.annotation' AND sender = ? AND event_type = ?
       AND annotation_key = ? LIMIT 1`,
      relation.event_id,
      draft.sender,
      draft.type,
      relation.key,
    );
    if (duplicate) {
      throw new AppError(
        'M_DUPLICATE_ANNOTATION',
        `${draft.sender} has already annotated ${relation.event_id} with this key; redact that ${draft.type} to send it again`,
      );
    }
  }
  if (relation.rel_type === 'm.thread' && store.get('event_relations', relation.event_id)) {
    throw new AppError('M_UNKNOWN', `${relation.event_id} relates to another event, so a thread cannot start from it; use its thread root`);
  }
}

/** Records a stored event's relation, when its parent is an event of the same room (others are ignored, as the specification says). */
export function indexRelation(ctx: AppContext, roomId: string, eventId: string, draft: RelationDraft, stream: number): void {
  const relation = relationOf(draft.content);
  if (!relation) return;
  const parent = ctx.store.get<EventRow>('events', relation.event_id);
  if (!parent || parent.room_id !== roomId) return;
  ctx.store.insert('event_relations', {
    event_id: eventId,
    room_id: roomId,
    relates_to: relation.event_id,
    rel_type: relation.rel_type,
    event_type: draft.type,
    sender: draft.sender,
    stream,
    origin_server_ts: ctx.time,
    annotation_key: relation.key ?? null,
  });
}

/** A redacted event's content has no `m.relates_to` any more (room version 11), so it relates to nothing. */
export function unindexRelation(ctx: AppContext, eventId: string): void {
  ctx.store.delete('event_relations', eventId);
}

const RelationsArgs = Type.Object(
  {
    room_id: Type.String({ maxLength: 255 }),
    event_id: Type.String({ maxLength: 255 }),
    rel_type: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    event_type: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    from: Type.Optional(Type.Integer({ minimum: 0 })),
    to: Type.Optional(Type.Integer({ minimum: 0 })),
    dir: Type.Union([Type.Literal('b'), Type.Literal('f')]),
    limit: Type.Integer({ minimum: 1, maximum: 1000 }),
    recurse: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const relationQueries = {
  /**
   * The children of an event, one page at a time, newest first (`dir` b) or oldest first (f).
   * Tokens are stream positions as for /messages: backwards from t reads t and older, forwards
   * reads newer than t. With `recurse`, children of children too, to RECURSION_DEPTH levels.
   */
  relations: query(RelationsArgs, (ctx, args) => {
    requireStanding(ctx.store, ctx.caller, args.room_id);
    visibleEvent(ctx.store, ctx.caller, args.room_id, args.event_id);
    const head = streamHead(ctx.store);
    const backwards = args.dir === 'b';
    const from = args.from ?? (backwards ? head : 0);
    const lower = backwards ? (args.to ?? 0) + 1 : from + 1;
    const upper = backwards ? from : (args.to ?? Number.MAX_SAFE_INTEGER);
    const depth = args.recurse ? RECURSION_DEPTH : 1;
    const rows = ctx.store.select<EventRow>(
      `WITH RECURSIVE descendants(event_id, depth) AS (
         SELECT event_id, 1 FROM {event_relations} WHERE relates_to = ? AND room_id = ?
         UNION
         SELECT r.event_id, d.depth + 1 FROM {event_relations} r JOIN descendants d ON r.relates_to = d.event_id WHERE d.depth < ?
       )
       SELECT e.* FROM descendants d JOIN {event_relations} r ON r.event_id = d.event_id JOIN {events} e ON e.event_id = r.event_id
       WHERE (? IS NULL OR r.rel_type = ?) AND (? IS NULL OR r.event_type = ?) AND r.stream BETWEEN ? AND ?
       ORDER BY r.stream ${backwards ? 'DESC' : 'ASC'} LIMIT ?`,
      args.event_id,
      args.room_id,
      depth,
      args.rel_type ?? null,
      args.rel_type ?? null,
      args.event_type ?? null,
      args.event_type ?? null,
      lower,
      upper,
      args.limit,
    );
    const last = rows.at(-1);
    const more = last !== undefined && rows.length === args.limit;
    return {
      chunk: rows.filter((row) => canSee(ctx.store, ctx.caller, row)).map((row) => servedEvent(ctx.store, ctx.caller, row)),
      ...(more ? { next: backwards ? last.stream - 1 : last.stream } : {}),
      ...(args.recurse === undefined ? {} : { recursion_depth: depth }),
    };
  }),
};
