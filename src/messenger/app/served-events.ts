import type { AppStore } from '../../subnet/index.ts';
import { type ClientEvent, type JsonObject, type Pdu, toClientEvent } from '../events/index.ts';
import type { EventRow } from './room-tables.ts';
import { canSee } from './visibility.ts';

/** The relation types whose children the server sums up for the parent (client-server §Aggregations of child events). */
const AGGREGATED = ['m.reference', 'm.replace', 'm.thread'];

export function clientEventOf(row: EventRow): ClientEvent {
  return toClientEvent(JSON.parse(row.pdu) as Pdu, row.event_id);
}

/**
 * An event as /messages, /context, /event and /relations serve it: with the redaction that
 * emptied it, if one did, and the bundled aggregations of its children (`m.relations`), as far
 * as `caller` may see them. State events get no aggregations, as the specification notes.
 * `nested` is for a thread's latest event, which is never itself a thread root.
 */
export function servedEvent(store: AppStore, caller: string, row: EventRow, nested = false): ClientEvent {
  const unsigned: JsonObject = {};
  const redaction = row.redacted_by === null ? undefined : store.get<EventRow>('events', row.redacted_by);
  if (redaction) unsigned.redacted_because = clientEventOf(redaction) as unknown as JsonObject;
  const relations = row.state_key === null ? bundledAggregations(store, caller, row, nested) : undefined;
  if (relations) unsigned['m.relations'] = relations;
  return toClientEvent(JSON.parse(row.pdu) as Pdu, row.event_id, Object.keys(unsigned).length > 0 ? unsigned : undefined);
}

function bundledAggregations(store: AppStore, caller: string, parent: EventRow, nested: boolean): JsonObject | undefined {
  const kinds = store.select<{ rel_type: string }>(
    `SELECT DISTINCT rel_type FROM {event_relations} WHERE relates_to = ? AND rel_type IN (${AGGREGATED.map(() => '?').join(', ')})
     ORDER BY rel_type`,
    parent.event_id,
    ...AGGREGATED,
  );
  const aggregations: JsonObject = {};
  for (const { rel_type: relType } of kinds) {
    const aggregation =
      relType === 'm.replace'
        ? latestEdit(store, caller, parent)
        : relType === 'm.thread'
          ? nested
            ? undefined
            : threadSummary(store, caller, parent)
          : references(store, caller, parent);
    if (aggregation) aggregations[relType] = aggregation;
  }
  return Object.keys(aggregations).length > 0 ? aggregations : undefined;
}

function children(store: AppStore, parentId: string, relType: string, order: string): EventRow[] {
  return store.select<EventRow>(
    `SELECT e.* FROM {event_relations} r JOIN {events} e ON e.event_id = r.event_id WHERE r.relates_to = ? AND r.rel_type = ? ORDER BY ${order}`,
    parentId,
    relType,
  );
}

/**
 * The most recent valid replacement (event replacements §Server-side aggregation): same
 * sender and type as the original, not a state event, with `m.new_content` (which an
 * encrypted edit carries inside its ciphertext); newest by `origin_server_ts`, then event id.
 * A redacted original, or one that is itself an edit, bundles none.
 */
function latestEdit(store: AppStore, caller: string, original: EventRow): JsonObject | undefined {
  if (original.redacted_by !== null) return undefined;
  if (store.get<{ rel_type: string }>('event_relations', original.event_id)?.rel_type === 'm.replace') return undefined;
  const edit = children(store, original.event_id, 'm.replace', 'r.origin_server_ts DESC, r.event_id DESC').find(
    (row) =>
      row.sender === original.sender &&
      row.type === original.type &&
      row.state_key === null &&
      (row.type === 'm.room.encrypted' || isObject((JSON.parse(row.pdu) as Pdu).content['m.new_content'])) &&
      canSee(store, caller, row),
  );
  return edit ? (clientEventOf(edit) as unknown as JsonObject) : undefined;
}

/**
 * The thread's size, its newest event the caller may see (looking back over the newest few),
 * and whether the caller took part (threading §Server-side aggregation).
 */
function threadSummary(store: AppStore, caller: string, root: EventRow): JsonObject | undefined {
  const latest = children(store, root.event_id, 'm.thread', 'r.stream DESC LIMIT 50').find((row) => canSee(store, caller, row));
  if (!latest) return undefined;
  const count = store.selectOne<{ n: number }>(
    "SELECT count(*) AS n FROM {event_relations} WHERE relates_to = ? AND rel_type = 'm.thread'",
    root.event_id,
  )?.n;
  const replied = store.selectOne(
    "SELECT 1 AS one FROM {event_relations} WHERE relates_to = ? AND rel_type = 'm.thread' AND sender = ? LIMIT 1",
    root.event_id,
    caller,
  );
  return {
    latest_event: servedEvent(store, caller, latest, true) as unknown as JsonObject,
    count: count ?? 0,
    current_user_participated: root.sender === caller || replied !== undefined,
  };
}

/** The ids of the events that reference the parent (reference relations §Server-side aggregation). */
function references(store: AppStore, caller: string, parent: EventRow): JsonObject | undefined {
  const chunk = children(store, parent.event_id, 'm.reference', 'r.stream ASC')
    .filter((row) => canSee(store, caller, row))
    .map((row) => ({ event_id: row.event_id }));
  return chunk.length > 0 ? { chunk } : undefined;
}

function isObject(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
