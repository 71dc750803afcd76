import Type from 'typebox';
import { AppError, type QueryContext, query } from '../../../subnet/index.ts';
import { changesOf } from './changes.ts';
import { isBuilder, requireApp } from './owned-apps.ts';
import { rolesOf, specRoles } from './roles.ts';

const AppSlug = Type.String({ maxLength: 63 });

function requireBuilder(ctx: QueryContext, appSlug: string, what: string): void {
  requireApp(ctx.store, appSlug);
  if (!isBuilder(ctx, appSlug, ctx.caller)) throw new AppError('FORBIDDEN', `only builders of "${appSlug}" may read its ${what}`);
}

/** Who builds and who uses an app; names start with `builder_` or `member_`. */
export const peopleQueries = {
  builder_list: query(Type.Object({ app: AppSlug }, { additionalProperties: false }), (ctx, args) => {
    requireBuilder(ctx, args.app, 'builders');
    const owner = requireApp(ctx.store, args.app).owner_id;
    return ctx.store
      .select<{ user_id: string; added_at: number; added_by: string }>(
        'SELECT user_id, added_at, added_by FROM {people_builders} WHERE app_slug = ? ORDER BY added_at, user_id',
        args.app,
      )
      .map((row) => ({ userId: row.user_id, owner: row.user_id === owner, addedAt: row.added_at, addedBy: row.added_by }));
  }),

  /** Members and their roles (for the app's builders), with the roles the spec names. */
  member_list: query(Type.Object({ app: AppSlug }, { additionalProperties: false }), (ctx, args) => {
    requireBuilder(ctx, args.app, 'members');
    const members = ctx.store
      .select<{ user_id: string; joined_at: number }>(
        'SELECT user_id, joined_at FROM {people_members} WHERE app_slug = ? ORDER BY joined_at, user_id',
        args.app,
      )
      .map((row) => ({ userId: row.user_id, joinedAt: row.joined_at, roles: rolesOf(ctx, args.app, row.user_id) }));
    return { roles: specRoles(ctx, args.app), members };
  }),

  /** The caller's own roles in an app. */
  member_roles: query(Type.Object({ app: AppSlug }, { additionalProperties: false }), (ctx, args) => {
    requireApp(ctx.store, args.app);
    return { app: args.app, userId: ctx.caller, roles: rolesOf(ctx, args.app, ctx.caller) };
  }),

  /** Who changed what in the app, oldest first (for its builders). */
  builder_changes: query(
    Type.Object(
      {
        app: AppSlug,
        after: Type.Optional(Type.Integer({ minimum: 0 })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
      },
      { additionalProperties: false },
    ),
    (ctx, args) => {
      requireBuilder(ctx, args.app, 'history');
      return changesOf(ctx, args.app, args.after ?? 0, args.limit ?? 1000);
    },
  ),
};
