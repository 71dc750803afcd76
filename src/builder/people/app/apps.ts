import { type AppContext, AppError } from '../../../subnet/index.ts';
import { appendAudit, termsOf } from '../../licences/index.ts';
import { assertMayBuild } from './build-rights.ts';
import { appendChange } from './changes.ts';
import { appRow, type Reader, requireApp } from './owned-apps.ts';

/**
 * Records a new app under its creator's licence: checks that they may create one (licensed,
 * verified, within their licence's app quota), makes them its owner and first builder, and
 * charges the app to the licence. The engine calls it in the method that creates an app.
 */
export function claimApp(ctx: AppContext, appSlug: string, ownerId: string): void {
  if (appRow(ctx.store, appSlug)) throw new AppError('APP_EXISTS', `an app "${appSlug}" already exists; choose another slug`);
  const licence = assertMayBuild(ctx, ownerId);
  ctx.store.insert('people_apps', {
    app_slug: appSlug,
    owner_id: ownerId,
    licence_no: licence.licence_no,
    sector: licence.sector,
    created_at: ctx.time,
  });
  ctx.store.insert('people_builders', { app_slug: appSlug, user_id: ownerId, added_at: ctx.time, added_by: ownerId });
  appendChange(ctx, appSlug, ownerId, 'app', 'created the app');
  appendAudit(ctx, { actor: ownerId, action: 'app_created', subject: ownerId, licence: licence.licence_no, details: { app: appSlug } });
}

/**
 * Forgets an app's owner, builders, roles and members when the engine removes the app; its
 * history of changes stays. The app no longer counts against its owner's licence.
 */
export function releaseApp(ctx: AppContext, appSlug: string, userId: string): void {
  const app = requireApp(ctx.store, appSlug);
  const owned: [table: string, order: string][] = [
    ['people_member_roles', 'user_id, role'],
    ['people_members', 'user_id'],
    ['people_roles', 'role'],
    ['people_builders', 'user_id'],
  ];
  for (const [table, order] of owned) {
    const rows = ctx.store.select<Record<string, string>>(`SELECT * FROM {${table}} WHERE app_slug = ? ORDER BY ${order}`, appSlug);
    for (const row of rows) ctx.store.delete(table, row);
  }
  ctx.store.delete('people_apps', appSlug);
  appendChange(ctx, appSlug, userId, 'app', 'removed the app');
  appendAudit(ctx, { actor: userId, action: 'app_removed', subject: app.owner_id, licence: app.licence_no, details: { app: appSlug } });
}

/** Records and storage an app may use: its sector's quotas, as governance sets them. */
export function quotaOf(ctx: Reader, appSlug: string): { records: number; storageBytes: number } {
  const terms = termsOf(ctx.store, requireApp(ctx.store, appSlug).sector);
  return { records: terms.recordsPerApp, storageBytes: terms.storageBytesPerApp };
}
