import type { AppContext, QueryContext } from '../../../subnet/index.ts';

/** spec: the app's spec changed (the engine says what); builders and members: who may build or use it. */
export type ChangeKind = 'app' | 'spec' | 'builders' | 'members';

export interface AppChange {
  seq: number;
  at: number;
  userId: string;
  kind: ChangeKind;
  what: string;
}

/** Appends "who changed what" to the app's history (kept even after the app is removed). */
export function appendChange(ctx: AppContext, appSlug: string, userId: string, kind: ChangeKind, what: string): number {
  const last = ctx.store.selectOne<{ seq: number }>('SELECT max(seq) AS seq FROM {people_changes} WHERE app_slug = ?', appSlug);
  const seq = (last?.seq ?? 0) + 1;
  ctx.store.insert('people_changes', { app_slug: appSlug, seq, at: ctx.time, user_id: userId, kind, what });
  return seq;
}

/**
 * "Who changed what" for a spec change: the engine calls this inside the method that
 * changes an app's spec, with the builder who asked and a plain description of the change.
 */
export function recordBuilderChange(ctx: AppContext, appSlug: string, userId: string, what: string): number {
  return appendChange(ctx, appSlug, userId, 'spec', what);
}

export function changesOf(ctx: QueryContext | AppContext, appSlug: string, after: number, limit: number): AppChange[] {
  return ctx.store
    .select<{ seq: number; at: number; user_id: string; kind: string; what: string }>(
      'SELECT seq, at, user_id, kind, what FROM {people_changes} WHERE app_slug = ? AND seq > ? ORDER BY seq LIMIT ?',
      appSlug,
      after,
      limit,
    )
    .map((row) => ({ seq: row.seq, at: row.at, userId: row.user_id, kind: row.kind as ChangeKind, what: row.what }));
}
