import {
  ACTIONS,
  type Action,
  type AppSpec,
  type EntitySpec,
  FIELD_TYPES,
  type FieldSpec,
  type NotificationSpec,
  OWNER_ROLE,
  type PermissionSpec,
  type RecipientSpec,
  type RoleSpec,
  type ViewSpec,
  type WorkflowSpec,
} from '../../../builder/index.ts';
import type { FormBody } from '../../shell/index.ts';
import { machineName, formNames as n } from './names.ts';

const HOLDERS = ['assigned', 'everyone', 'verified'] as const;

/**
 * The spec a person made by editing the form of `base`: labels, types and flags changed,
 * items removed, new ones added (named from their English label). Machine names of existing
 * items never change here, so nothing is renamed by accident; whatever the form does not show
 * (limits, defaults, views, conditions) is kept. Removing an item removes what refers to it,
 * and a permission whose condition named a removed field goes with it (it would otherwise
 * grant more). The result is not validated here: the API validates it when it is compared or
 * deployed, and its problems are shown beside the form.
 */
export function specFromForm(base: AppSpec, form: FormBody): AppSpec {
  const read = new FormReader(form);
  const roles = readRoles(base, read);
  const roleNames = new Set(roles.map((role) => role.name));
  const entities = readEntities(base, read, roleNames);
  const permissions = readPermissions(base, read, roles, entities);
  const notifications = readNotifications(read, roleNames, entities);
  const views = keptViews(base.views ?? [], base, entities);
  const description = { en: read.text(n.description('en')), ur: read.text(n.description('ur')) };
  return {
    specVersion: base.specVersion,
    slug: read.text(n.slug) || base.slug,
    name: { en: read.text(n.name('en')), ur: read.text(n.name('ur')) },
    ...(description.en || description.ur ? { description } : {}),
    roles,
    entities,
    permissions,
    ...(views.length > 0 ? { views } : {}),
    ...(notifications.length > 0 ? { notifications } : {}),
  };
}

/** A form's values by name, trimmed; a ticked checkbox is present. */
class FormReader {
  readonly #form: FormBody;
  constructor(form: FormBody) {
    this.#form = form;
  }
  has(name: string): boolean {
    return this.#form.fields[name] !== undefined;
  }
  text(name: string): string {
    return (this.#form.fields[name] ?? '').trim();
  }
  all(name: string): string[] {
    return (this.#form.all[name] ?? []).map((value) => value.trim()).filter(Boolean);
  }
  ticked(name: string): boolean {
    return this.has(name);
  }
  /** Row numbers 0, 1, … for as long as the form has a row of that kind. */
  rows(nameOf: (i: number) => string): number[] {
    const rows: number[] = [];
    for (let i = 0; this.has(nameOf(i)) && i < 1000; i++) rows.push(i);
    return rows;
  }
}

function readRoles(base: AppSpec, read: FormReader): RoleSpec[] {
  const roles: RoleSpec[] = [];
  const taken = new Set([...base.roles.map((role) => role.name), OWNER_ROLE, 'creator']);
  for (const i of read.rows((row) => n.role(row, 'en'))) {
    const was = base.roles.find((role) => role.name === read.text(n.role(i, 'was')));
    const label = { en: read.text(n.role(i, 'en')), ur: read.text(n.role(i, 'ur')) };
    if (read.ticked(n.role(i, 'remove')) || (!was && !label.en)) continue;
    const holders = HOLDERS.find((h) => h === read.text(n.role(i, 'holders'))) ?? 'assigned';
    const name = was?.name ?? machineName(label.en, taken, 'role');
    taken.add(name);
    roles.push({ ...was, name, label, holders });
  }
  return roles;
}

function readEntities(base: AppSpec, read: FormReader, roles: ReadonlySet<string>): EntitySpec[] {
  const entities: EntitySpec[] = [];
  const taken = new Set(base.entities.map((entity) => entity.name));
  for (const e of read.rows((row) => n.entity(row, 'en'))) {
    const was = base.entities.find((entity) => entity.name === read.text(n.entity(e, 'was')));
    const label = { en: read.text(n.entity(e, 'en')), ur: read.text(n.entity(e, 'ur')) };
    if (read.ticked(n.entity(e, 'remove')) || (!was && !label.en)) continue;
    const name = was?.name ?? machineName(label.en, taken, 'entity');
    taken.add(name);
    const fields = readFields(was, e, read);
    const workflow = readWorkflow(was, e, read, fields, roles);
    const { workflow: _old, ...rest } = was ?? { name, label, fields };
    entities.push({ ...rest, name, label, fields, ...(workflow ? { workflow } : {}) });
  }
  // A reference to a removed entity cannot stand; it becomes the text it can no longer point at.
  const names = new Set(entities.map((entity) => entity.name));
  for (const entity of entities) {
    entity.fields = entity.fields.map((field) => {
      if (field.type !== 'reference' || (field.entity && names.has(field.entity))) return field;
      const { entity: _gone, capacity: _cap, ...rest } = field;
      return { ...rest, type: 'text' };
    });
  }
  return entities;
}

function readFields(was: EntitySpec | undefined, e: number, read: FormReader): FieldSpec[] {
  const fields: FieldSpec[] = [];
  const taken = new Set((was?.fields ?? []).map((field) => field.name));
  for (const f of read.rows((row) => n.field(e, row, 'en'))) {
    const old = was?.fields.find((field) => field.name === read.text(n.field(e, f, 'was')));
    const label = { en: read.text(n.field(e, f, 'en')), ur: read.text(n.field(e, f, 'ur')) };
    if (read.ticked(n.field(e, f, 'remove')) || (!old && !label.en)) continue;
    const type = FIELD_TYPES.find((t) => t === read.text(n.field(e, f, 'type'))) ?? old?.type ?? 'text';
    const name = old?.name ?? machineName(label.en, taken, 'field');
    taken.add(name);
    const kept: Partial<FieldSpec> = old && old.type === type ? { ...old } : {};
    const field: FieldSpec = { ...kept, name, label, type };
    if (read.ticked(n.field(e, f, 'required'))) field.required = true;
    else delete field.required;
    if (type === 'choice') field.choices = readChoices(read.text(n.field(e, f, 'choices')), old);
    else delete field.choices;
    if (type === 'reference') field.entity = read.text(n.field(e, f, 'target')) || old?.entity || '';
    else delete field.entity;
    if (type !== 'reference') delete field.capacity;
    fields.push(field);
  }
  return fields;
}

/**
 * Choices as a person writes them, one a line: "English | Urdu", or "value | English | Urdu"
 * to keep a value's name. A line whose English matches an existing choice keeps its value.
 */
export function readChoices(text: string, old: FieldSpec | undefined): FieldSpec['choices'] {
  const taken = new Set<string>();
  const choices: NonNullable<FieldSpec['choices']> = [];
  for (const line of text.split(/\r?\n/)) {
    const parts = line.split('|').map((part) => part.trim());
    if (parts.every((part) => part === '')) continue;
    const [value, en, ur] = parts.length >= 3 ? parts : [undefined, parts[0] ?? '', parts[1] ?? ''];
    const known = old?.choices?.find((choice) => choice.value === value || choice.label.en === en);
    const name = value && /^[a-z][a-z0-9_]{0,39}$/.test(value) ? value : (known?.value ?? machineName(en ?? '', taken, 'choice'));
    if (taken.has(name)) continue;
    taken.add(name);
    choices.push({ value: name, label: { en: en ?? '', ur: ur || en || '' } });
  }
  return choices;
}

function readWorkflow(
  was: EntitySpec | undefined,
  e: number,
  read: FormReader,
  fields: FieldSpec[],
  roles: ReadonlySet<string>,
): WorkflowSpec | undefined {
  const field = fields.find((f) => f.name === read.text(n.workflow(e, 'field')) && f.type === 'choice');
  if (!field) return undefined;
  const transitions: WorkflowSpec['transitions'] = [];
  const taken = new Set((was?.workflow?.transitions ?? []).map((t) => t.name));
  for (const t of read.rows((row) => n.transition(e, row, 'en'))) {
    const old = was?.workflow?.transitions.find((transition) => transition.name === read.text(n.transition(e, t, 'was')));
    const label = { en: read.text(n.transition(e, t, 'en')), ur: read.text(n.transition(e, t, 'ur')) };
    if (read.ticked(n.transition(e, t, 'remove')) || (!old && !label.en)) continue;
    const name = old?.name ?? machineName(label.en, taken, 'step');
    taken.add(name);
    const allowed = read.all(n.transition(e, t, 'roles')).filter((role) => roles.has(role) || role === OWNER_ROLE || role === 'creator');
    transitions.push({
      name,
      label,
      from: read.all(n.transition(e, t, 'from')),
      to: read.text(n.transition(e, t, 'to')),
      roles: allowed,
    });
  }
  return { field: field.name, initial: read.text(n.workflow(e, 'initial')) || (field.choices?.[0]?.value ?? ''), transitions };
}

/**
 * Permissions from the grid (role × entity × action: nothing, own or all), grouped back into
 * one permission per role, entity and scope; those with conditions are kept unless removed.
 */
function readPermissions(base: AppSpec, read: FormReader, roles: RoleSpec[], entities: EntitySpec[]): PermissionSpec[] {
  const permissions: PermissionSpec[] = [];
  const fieldsOf = new Map(entities.map((entity) => [entity.name, new Set(entity.fields.map((f) => f.name))]));
  const roleNames = new Set([...roles.map((role) => role.name), OWNER_ROLE]);
  base.permissions
    .filter((permission) => permission.when !== undefined)
    .forEach((permission, i) => {
      if (read.ticked(n.conditionalRemove(i))) return;
      const fields = fieldsOf.get(permission.entity);
      if (!fields || !roleNames.has(permission.role)) return;
      if ((permission.when ?? []).some((condition) => !fields.has(condition.field))) return;
      permissions.push(permission);
    });
  const gridRoles: { row: number | 'owner'; name: string }[] = [
    { row: 'owner', name: OWNER_ROLE },
    ...base.roles.map((role, row) => ({ row, name: role.name })),
  ];
  for (const { row, name } of gridRoles) {
    if (!roleNames.has(name)) continue;
    base.entities.forEach((entity, e) => {
      if (!fieldsOf.has(entity.name)) return;
      const byScope: Record<'own' | 'all', Action[]> = { own: [], all: [] };
      for (const action of ACTIONS) {
        const scope = read.text(n.grant(row, e, action));
        if (scope === 'own' || scope === 'all') byScope[scope].push(action);
      }
      for (const scope of ['all', 'own'] as const) {
        if (byScope[scope].length > 0) permissions.push({ role: name, entity: entity.name, actions: byScope[scope], scope });
      }
    });
  }
  return permissions;
}

function readNotifications(read: FormReader, roles: ReadonlySet<string>, entities: EntitySpec[]): NotificationSpec[] {
  const notifications: NotificationSpec[] = [];
  for (const i of read.rows((row) => n.notification(row, 'en'))) {
    const message = { en: read.text(n.notification(i, 'en')), ur: read.text(n.notification(i, 'ur')) };
    if (read.ticked(n.notification(i, 'remove')) || !message.en) continue;
    const entity = entities.find((candidate) => candidate.name === read.text(n.notification(i, 'entity')));
    if (!entity) continue;
    const on = read.text(n.notification(i, 'on')) || 'create';
    const to = read
      .all(n.notification(i, 'to'))
      .map((token) => recipientOf(token))
      .filter((recipient): recipient is RecipientSpec => recipient !== undefined)
      .filter((recipient) => !recipient.role || roles.has(recipient.role) || recipient.role === OWNER_ROLE)
      .filter((recipient) => !recipient.field || entity.fields.some((f) => f.name === recipient.field && f.type === 'person'));
    // A message left with nobody to receive it (its roles removed, its boxes unticked) is a message to no one.
    if (to.length === 0) continue;
    notifications.push({ entity: entity.name, on, to, message: { en: message.en, ur: message.ur || message.en } });
  }
  return notifications;
}

/** A recipient from its form value: `role:NAME`, `creator`, `field:NAME` or `room:ID`. */
export function recipientOf(token: string): RecipientSpec | undefined {
  if (token === 'creator') return { creator: true };
  const [kind, ...rest] = token.split(':');
  const value = rest.join(':');
  if (!value) return undefined;
  if (kind === 'role') return { role: value };
  if (kind === 'field') return { field: value };
  if (kind === 'room') return { room: value };
  return undefined;
}

/** The form's value of a recipient (the inverse of recipientOf). */
export function recipientToken(recipient: RecipientSpec): string {
  if (recipient.creator) return 'creator';
  if (recipient.role) return `role:${recipient.role}`;
  if (recipient.field) return `field:${recipient.field}`;
  return `room:${recipient.room ?? ''}`;
}

/**
 * Views of entities that remain, naming only fields that remain; fields added through the
 * form join the entity's form and detail views, so people can fill them in and see them.
 */
function keptViews(views: ViewSpec[], base: AppSpec, entities: EntitySpec[]): ViewSpec[] {
  const kept: ViewSpec[] = [];
  for (const view of views) {
    const entity = entities.find((candidate) => candidate.name === view.entity);
    if (!entity) continue;
    const names = new Set(entity.fields.map((field) => field.name));
    const before = new Set(base.entities.find((old) => old.name === entity.name)?.fields.map((field) => field.name) ?? []);
    const added = entity.fields.filter((field) => !before.has(field.name)).map((field) => field.name);
    const only = (list: string[] | undefined) => list?.filter((name) => names.has(name));
    const next: ViewSpec = { ...view };
    for (const key of ['columns', 'filters', 'search'] as const) {
      const list = only(view[key]);
      if (list && list.length > 0) next[key] = list;
      else delete next[key];
    }
    if (view.sort && !names.has(view.sort.field)) delete next.sort;
    if (view.fields) {
      const list = [...(only(view.fields) ?? []), ...(view.kind === 'list' ? [] : added.filter(isFillable(entity)))];
      if (list.length > 0) next.fields = list;
      else delete next.fields;
    }
    if (view.kind === 'list' && !next.columns) continue;
    kept.push(next);
  }
  return kept;
}

/** Fields a person fills in a form: not the workflow's status, which only transitions change. */
function isFillable(entity: EntitySpec): (name: string) => boolean {
  return (name) => name !== entity.workflow?.field;
}
