import Type from 'typebox';
import { AppError, type AppStore, method, type TableSpec } from '../../subnet/index.ts';
import type { JsonObject } from '../events/index.ts';
import { nextStream } from './room-events.ts';
import type { EventRow } from './room-tables.ts';

/**
 * Read receipts: the latest event each user has read in each room, per receipt type and
 * thread. They take a position in the same stream as events, so sync finds the ones it has
 * not sent yet the way it finds events.
 */
export const receiptTables: TableSpec[] = [
  {
    name: 'receipts',
    columns: { room_id: 'text', user_id: 'text', type: 'text', thread_id: 'text', event_id: 'text', ts: 'integer', stream: 'integer' },
    primaryKey: ['room_id', 'user_id', 'type', 'thread_id'],
    indexes: [['room_id', 'stream'], ['stream']],
  },
];

interface ReceiptRow {
  user_id: string;
  type: string;
  thread_id: string;
  event_id: string;
  ts: number;
  stream: number;
}

export const receiptMethods = {
  receipt: method(
    Type.Object(
      {
        room_id: Type.String({ maxLength: 255 }),
        event_id: Type.String({ maxLength: 255 }),
        type: Type.Union([Type.Literal('m.read'), Type.Literal('m.read.private')]),
        thread_id: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
      },
      { additionalProperties: false },
    ),
    (ctx, args) => {
      requireReadableEvent(ctx.store, ctx.caller, args.room_id, args.event_id);
      const stream = nextStream(ctx);
      const thread = args.thread_id ?? '';
      ctx.store.put('receipts', {
        room_id: args.room_id,
        user_id: ctx.caller,
        type: args.type,
        thread_id: thread,
        event_id: args.event_id,
        ts: ctx.time,
        stream,
      });
      return {};
    },
  ),
  /**
   * The fully read marker: room account data of type m.fully_read, which only the read
   * markers API may set (the specification's rule), and which reaches the user's other
   * clients through sync as any room account data does.
   */
  fully_read: method(
    Type.Object({ room_id: Type.String({ maxLength: 255 }), event_id: Type.String({ maxLength: 255 }) }, { additionalProperties: false }),
    (ctx, args) => {
      requireReadableEvent(ctx.store, ctx.caller, args.room_id, args.event_id);
      ctx.store.put('account_data', {
        user_id: ctx.caller,
        room_id: args.room_id,
        type: 'm.fully_read',
        content: JSON.stringify({ event_id: args.event_id }),
        stream: nextStream(ctx),
      });
      return { room_id: args.room_id };
    },
  ),
};

/** A marker or receipt may point only at an event of a room the reader is joined to. */
function requireReadableEvent(store: AppStore, userId: string, roomId: string, eventId: string): void {
  const membership = store.get<{ membership: string }>('memberships', { user_id: userId, room_id: roomId });
  if (membership?.membership !== 'join') throw new AppError('M_FORBIDDEN', `${userId} is not in room ${roomId}`);
  const event = store.get<EventRow>('events', eventId);
  if (!event || event.room_id !== roomId) throw new AppError('M_NOT_FOUND', `there is no event ${eventId} in this room`);
}

/**
 * The m.receipt ephemeral event for a room: receipts newer than `since` (all of them on an
 * initial sync); a private receipt only for its own reader. Null when there is none.
 */
export function receiptEvent(
  store: AppStore,
  roomId: string,
  since: number | undefined,
  reader: string,
): { type: 'm.receipt'; content: JsonObject } | null {
  const rows = store
    .select<ReceiptRow>(
      'SELECT user_id, type, thread_id, event_id, ts, stream FROM {receipts} WHERE room_id = ? AND stream > ? ORDER BY stream',
      roomId,
      since ?? 0,
    )
    .filter((row) => row.type === 'm.read' || row.user_id === reader);
  if (rows.length === 0) return null;
  const content: Record<string, Record<string, Record<string, JsonObject>>> = {};
  for (const row of rows) {
    const byType = content[row.event_id] ?? {};
    const byUser = byType[row.type] ?? {};
    byUser[row.user_id] = { ts: row.ts, ...(row.thread_id ? { thread_id: row.thread_id } : {}) };
    byType[row.type] = byUser;
    content[row.event_id] = byType;
  }
  return { type: 'm.receipt', content: content as unknown as JsonObject };
}
