import { AppError, type AppStore } from '../../../subnet/index.ts';

export interface AppRow {
  [column: string]: string | number;
  app_slug: string;
  owner_id: string;
  licence_no: number;
  sector: string;
  created_at: number;
}

/** Something with the store in it: a method's or a query's context. */
export type Reader = { readonly store: AppStore };

export function appRow(store: AppStore, appSlug: string): AppRow | undefined {
  return store.get<AppRow>('people_apps', appSlug);
}

export function requireApp(store: AppStore, appSlug: string): AppRow {
  const row = appRow(store, appSlug);
  if (!row) throw new AppError('NOT_FOUND', `there is no app "${appSlug}"`);
  return row;
}

/** The app's owner, or null for an app that does not exist. */
export function ownerOf(ctx: Reader, appSlug: string): string | null {
  return appRow(ctx.store, appSlug)?.owner_id ?? null;
}

/** Apps a user owns (what counts against their licence's app quota). */
export function appsOwnedBy(store: AppStore, userId: string): string[] {
  return store
    .select<{ app_slug: string }>('SELECT app_slug FROM {people_apps} WHERE owner_id = ? ORDER BY app_slug', userId)
    .map((row) => row.app_slug);
}

export function isBuilder(ctx: Reader, appSlug: string, userId: string): boolean {
  return ctx.store.get('people_builders', { app_slug: appSlug, user_id: userId }) !== undefined;
}
