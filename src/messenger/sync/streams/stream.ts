import type { AppStore } from '../../../subnet/index.ts';

/** Whose waiting syncs a stream's changes concern: the members of these rooms, and these users. */
export interface StreamChanges {
  rooms: string[];
  users: string[];
}

/**
 * One section of /sync as a stream (the shape of Dendrite's syncapi/streams): where the
 * stream is, and what moved in it between two positions. `Source` is where the stream lives:
 * the replica's state for the streams the log orders, this node's memory for typing and
 * presence. A sync token records each stream's position (sync/token.ts); the notifier wakes
 * a waiting sync when a stream moves past it for something that concerns its user.
 */
export interface SyncStream<Source> {
  readonly name: string;
  position(source: Source): number;
  /** What changed in (from, to]: the rooms and users it concerns. */
  changes(source: Source, from: number, to: number): StreamChanges;
}

/** A stream the log orders: its positions are places in the subnet-wide stream counter. */
export type StateStream = SyncStream<AppStore>;

/**
 * The last position a table's rows took in the stream (0 when it has none). Every applied
 * block asks it of every stream, and most blocks write one or two tables: kept until written.
 */
export function lastPosition(store: AppStore, table: string): number {
  // A remembered name guards a fixed set of tables: one name for each table.
  return store.remembered(
    `last-position:${table}`,
    '',
    [table],
    () => store.selectOne<{ stream: number | null }>(`SELECT MAX(stream) AS stream FROM {${table}}`)?.stream ?? 0,
  );
}

/** One column of the rows a table took in (from, to], distinct and sorted. */
export function columnBetween(store: AppStore, table: string, column: string, from: number, to: number, where = ''): string[] {
  return store
    .select<{ value: string }>(
      `SELECT DISTINCT ${column} AS value FROM {${table}} WHERE stream > ? AND stream <= ? ${where} ORDER BY value`,
      from,
      to,
    )
    .map((row) => row.value);
}
