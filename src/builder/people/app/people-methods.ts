import Type from 'typebox';
import { type AppContext, AppError, method } from '../../../subnet/index.ts';
import { activeLicenceOf, personOf } from '../../licences/index.ts';
import { appendChange } from './changes.ts';
import { type AppRow, isBuilder, requireApp } from './owned-apps.ts';
import { specRoles } from './roles.ts';

const AppSlug = Type.String({ pattern: '^[a-z][a-z0-9-]{1,62}$' });
const UserId = Type.String({ pattern: '^@[^:]+:.+$', maxLength: 255 });
const Role = Type.String({ minLength: 1, maxLength: 64 });

function requireOwner(ctx: AppContext, appSlug: string, what: string): AppRow {
  const app = requireApp(ctx.store, appSlug);
  if (app.owner_id !== ctx.caller) throw new AppError('FORBIDDEN', `only the owner of "${appSlug}" (${app.owner_id}) may ${what}`);
  return app;
}

function isMember(ctx: AppContext, appSlug: string, userId: string): boolean {
  return ctx.store.get('people_members', { app_slug: appSlug, user_id: userId }) !== undefined;
}

/** Co-builders and members of generated apps; names start with `builder_` or `member_`. */
export const peopleMethods = {
  /** The owner adds a co-builder: a licensed, verified person, who may then change the app's spec. */
  builder_add: method(Type.Object({ app: AppSlug, user_id: UserId }, { additionalProperties: false }), (ctx, args) => {
    requireOwner(ctx, args.app, 'add builders');
    if (isBuilder(ctx, args.app, args.user_id)) throw new AppError('EXISTS', `${args.user_id} already builds "${args.app}"`);
    if (!activeLicenceOf(ctx.store, args.user_id))
      throw new AppError('NOT_LICENSED', `${args.user_id} holds no builder licence; only licensed people may build apps`);
    if (!personOf(ctx, args.user_id).verified) throw new AppError('NOT_VERIFIED', `${args.user_id} is not bound to a verified person`);
    ctx.store.insert('people_builders', { app_slug: args.app, user_id: args.user_id, added_at: ctx.time, added_by: ctx.caller });
    appendChange(ctx, args.app, ctx.caller, 'builders', `added ${args.user_id} as a builder`);
    return { app: args.app, user_id: args.user_id };
  }),

  /** The owner removes a co-builder, or a co-builder steps down; the owner stays. */
  builder_remove: method(Type.Object({ app: AppSlug, user_id: UserId }, { additionalProperties: false }), (ctx, args) => {
    const app = requireApp(ctx.store, args.app);
    if (ctx.caller !== app.owner_id && ctx.caller !== args.user_id)
      throw new AppError('FORBIDDEN', `only the owner of "${args.app}" may remove its builders`);
    if (args.user_id === app.owner_id) throw new AppError('FORBIDDEN', `${args.user_id} owns "${args.app}" and stays its builder`);
    if (!ctx.store.delete('people_builders', { app_slug: args.app, user_id: args.user_id }))
      throw new AppError('NOT_FOUND', `${args.user_id} is not a builder of "${args.app}"`);
    appendChange(ctx, args.app, ctx.caller, 'builders', `removed ${args.user_id} as a builder`);
    return { app: args.app, user_id: args.user_id };
  }),

  /** The owner gives a person (any messenger account) one of the spec's roles; they become a member. */
  member_assign_role: method(Type.Object({ app: AppSlug, user_id: UserId, role: Role }, { additionalProperties: false }), (ctx, args) => {
    requireOwner(ctx, args.app, 'assign roles');
    const roles = specRoles(ctx, args.app);
    if (!roles.includes(args.role))
      throw new AppError('UNKNOWN_ROLE', `"${args.app}" has no role "${args.role}"; its roles are ${roles.join(', ') || '(none yet)'}`);
    if (ctx.query('messenger', 'user_exists', { user_id: args.user_id }) !== true)
      throw new AppError('NOT_FOUND', `there is no account ${args.user_id} on this server`);
    const key = { app_slug: args.app, user_id: args.user_id, role: args.role };
    if (ctx.store.get('people_member_roles', key)) return { app: args.app, user_id: args.user_id, role: args.role, changed: false };
    if (!isMember(ctx, args.app, args.user_id))
      ctx.store.insert('people_members', { app_slug: args.app, user_id: args.user_id, joined_at: ctx.time, added_by: ctx.caller });
    ctx.store.insert('people_member_roles', { ...key, granted_at: ctx.time, granted_by: ctx.caller });
    appendChange(ctx, args.app, ctx.caller, 'members', `gave ${args.user_id} the role ${args.role}`);
    return { app: args.app, user_id: args.user_id, role: args.role, changed: true };
  }),

  /** The owner takes a role away; the person stays a member (with their other roles, or none). */
  member_unassign_role: method(Type.Object({ app: AppSlug, user_id: UserId, role: Role }, { additionalProperties: false }), (ctx, args) => {
    requireOwner(ctx, args.app, 'remove roles');
    if (!ctx.store.delete('people_member_roles', { app_slug: args.app, user_id: args.user_id, role: args.role }))
      throw new AppError('NOT_FOUND', `${args.user_id} does not hold the role ${args.role} in "${args.app}"`);
    appendChange(ctx, args.app, ctx.caller, 'members', `took the role ${args.role} from ${args.user_id}`);
    return { app: args.app, user_id: args.user_id, role: args.role };
  }),

  /** The owner removes a member entirely (all their roles), or a member leaves. */
  member_remove: method(Type.Object({ app: AppSlug, user_id: UserId }, { additionalProperties: false }), (ctx, args) => {
    const app = requireApp(ctx.store, args.app);
    if (ctx.caller !== app.owner_id && ctx.caller !== args.user_id)
      throw new AppError('FORBIDDEN', `only the owner of "${args.app}" may remove its members`);
    if (!isMember(ctx, args.app, args.user_id)) throw new AppError('NOT_FOUND', `${args.user_id} is not a member of "${args.app}"`);
    const grants = ctx.store.select<{ role: string }>(
      'SELECT role FROM {people_member_roles} WHERE app_slug = ? AND user_id = ? ORDER BY role',
      args.app,
      args.user_id,
    );
    for (const { role } of grants) ctx.store.delete('people_member_roles', { app_slug: args.app, user_id: args.user_id, role });
    ctx.store.delete('people_members', { app_slug: args.app, user_id: args.user_id });
    const what = ctx.caller === args.user_id ? 'left the app' : `removed ${args.user_id} from the app`;
    appendChange(ctx, args.app, ctx.caller, 'members', what);
    return { app: args.app, user_id: args.user_id, roles_removed: grants.map((g) => g.role) };
  }),
};
