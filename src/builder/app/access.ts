import { type AppContext, AppError, type QueryContext } from '../../subnet/index.ts';
import { personOf } from '../licences/index.ts';
import { isBuilder, rolesOf } from '../people/index.ts';
import { type Action, type AppSpec, type ConditionSpec, CREATOR_ROLE, OWNER_ROLE, type PermissionSpec } from '../spec/index.ts';
import type { Fields } from '../upgrade/index.ts';

/** Who is asking, as the permissions see them: their roles in the app and what their identity attests. */
export interface Caller {
  userId: string;
  roles: Set<string>;
  organisation: string | null;
}

type Asker = Pick<AppContext, 'store' | 'query'> | QueryContext;

/**
 * The caller's roles: `owner` for the app's builders, the roles the owner gave them, every role
 * held by `everyone`, and — read from the messenger's identity binding, inside the command —
 * the roles held by verified people, with an official's organisation.
 */
export function callerOf(ctx: Asker, spec: AppSpec, userId: string): Caller {
  const roles = new Set<string>(rolesOf(ctx, spec.slug, userId));
  if (isBuilder(ctx, spec.slug, userId)) roles.add(OWNER_ROLE);
  for (const role of spec.roles) if (role.holders === 'everyone') roles.add(role.name);
  let organisation: string | null = null;
  const needsIdentity = spec.roles.some((role) => role.holders === 'verified') || usesOrganisation(spec);
  if (needsIdentity) {
    const person = personOf(ctx, userId);
    if (person.verified) for (const role of spec.roles) if (role.holders === 'verified') roles.add(role.name);
    organisation = person.organisation?.ministry ?? null;
  }
  return { userId, roles, organisation };
}

function usesOrganisation(spec: AppSpec): boolean {
  return spec.permissions.some((p) => p.when?.some((c) => c.isCaller === 'organisation'));
}

export interface RecordFacts {
  fields: Fields;
  createdBy: string;
}

/** The permissions that let this caller take this action on this entity (before looking at a record). */
export function grants(spec: AppSpec, caller: Caller, entity: string, action: Action): PermissionSpec[] {
  return spec.permissions.filter((p) => p.entity === entity && p.actions.includes(action) && caller.roles.has(p.role));
}

/** Whether one permission covers this record: its scope (own or all) and every condition. */
export function permits(permission: PermissionSpec, caller: Caller, record: RecordFacts): boolean {
  if ((permission.scope ?? 'own') === 'own' && record.createdBy !== caller.userId) return false;
  return (permission.when ?? []).every((condition) => holds(condition, caller, record.fields));
}

function holds(condition: ConditionSpec, caller: Caller, fields: Fields): boolean {
  const value = fields[condition.field];
  if (condition.equals !== undefined) return value === condition.equals;
  if (condition.in !== undefined) return value !== undefined && condition.in.includes(value);
  if (condition.isCaller === 'person') return value === caller.userId;
  if (condition.isCaller === 'organisation') return caller.organisation !== null && value === caller.organisation;
  return false;
}

/** Deny by default: refuses unless some permission of the caller's roles covers the record. */
export function assertAllowed(spec: AppSpec, caller: Caller, entity: string, action: Action, record: RecordFacts): void {
  if (grants(spec, caller, entity, action).some((permission) => permits(permission, caller, record))) return;
  const roles = [...caller.roles].sort().join(', ') || 'none';
  throw new AppError('FORBIDDEN', `${caller.userId} (roles: ${roles}) may not ${action} this ${entity} record in "${spec.slug}"`);
}

/** Whether a caller may make a workflow transition: one of its roles, or `creator` for the record's creator. */
export function mayTransition(roles: readonly string[], caller: Caller, record: RecordFacts): boolean {
  return roles.some((role) => caller.roles.has(role) || (role === CREATOR_ROLE && record.createdBy === caller.userId));
}
