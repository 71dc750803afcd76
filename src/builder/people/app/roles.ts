import type { AppContext } from '../../../subnet/index.ts';
import { type Reader, requireApp } from './owned-apps.ts';

/**
 * Records the roles the app's installed spec names; the engine calls it at install and at
 * every upgrade. A member's grant of a role the spec no longer names is kept but inactive,
 * so an upgrade that drops a role and a later one that brings it back lose nothing.
 */
export function recordAppRoles(ctx: AppContext, appSlug: string, roles: readonly string[]): void {
  requireApp(ctx.store, appSlug);
  const wanted = new Set(roles);
  for (const role of specRoles(ctx, appSlug)) if (!wanted.has(role)) ctx.store.delete('people_roles', { app_slug: appSlug, role });
  for (const role of [...wanted].sort()) ctx.store.put('people_roles', { app_slug: appSlug, role });
}

export function specRoles(ctx: Reader, appSlug: string): string[] {
  return ctx.store
    .select<{ role: string }>('SELECT role FROM {people_roles} WHERE app_slug = ? ORDER BY role', appSlug)
    .map((row) => row.role);
}

/** The roles a person holds in an app (only those its spec names now); none for a non-member. */
export function rolesOf(ctx: Reader, appSlug: string, userId: string): string[] {
  return ctx.store
    .select<{ role: string }>(
      `SELECT g.role FROM {people_member_roles} g JOIN {people_roles} r ON r.app_slug = g.app_slug AND r.role = g.role
        WHERE g.app_slug = ? AND g.user_id = ? ORDER BY g.role`,
      appSlug,
      userId,
    )
    .map((row) => row.role);
}

/** How many members hold a role: what an upgrade that removes the role touches. */
export function membersHoldingRole(ctx: Reader, appSlug: string, role: string): number {
  return (
    ctx.store.selectOne<{ n: number }>('SELECT count(*) AS n FROM {people_member_roles} WHERE app_slug = ? AND role = ?', appSlug, role)
      ?.n ?? 0
  );
}
