/**
 * From an understanding to a spec: the pattern's draft, seated with the roles the text named,
 * plus the extra fields, the workflow from the steps it named, who may take each step, who is
 * told, and a list and a form for each entity.
 */
import {
  ACTIONS,
  type Action,
  type AppSpec,
  type EntitySpec,
  type FieldSpec,
  type NotificationSpec,
  type PermissionSpec,
  type RecipientSpec,
  type RoleSpec,
  type ViewSpec,
  type WorkflowSpec,
} from '../../spec/index.ts';
import { type Blueprint, blueprintOf, type Cast } from './catalogue.ts';
import { type RoleWord, STEPS, type Step } from './lexicon/index.ts';
import type { Understanding } from './understanding.ts';

/** Roles that may be the people an attendance register is about, when the text gives them nothing to do. */
const ATTENDEES = ['student', 'employee', 'member', 'participant', 'volunteer', 'staff'];

export function compose(u: Understanding): AppSpec {
  const blueprint = blueprintOf(u.pattern);
  const cast = castOf(blueprint, u);
  const draft = blueprint.draft(u, cast);
  const main = draft.entities.find((e) => e.name === draft.main) as EntitySpec;
  for (const word of u.fields) {
    if (main.fields.some((f) => f.name === word.field.name)) continue;
    main.fields.push({ ...structuredClone(word.field), ...u.bounds.get(word.field.name) });
  }
  for (const field of main.fields) Object.assign(field, u.bounds.get(field.name));
  const workflowEntity = blueprint.workflow ? main : undefined;
  if (
    workflowEntity &&
    u.steps.some((s) => s.name === 'assign') &&
    !main.fields.some((f) => f.type === 'person' && f.name === 'assigned_to')
  ) {
    // Assigning names the person it goes to.
    main.fields.push({ name: 'assigned_to', label: { en: 'Assigned to', ur: 'ذمہ دار' }, type: 'person' });
  }
  const steps = blueprint.workflow
    ? u.steps.length > 0
      ? u.steps
      : blueprint.workflow.steps.map((name) => STEPS.find((s) => s.name === name) as Step)
    : [];
  if (blueprint.workflow && workflowEntity) {
    const { field, workflow } = workflowOf(blueprint.workflow.initial, steps, cast, u);
    workflowEntity.fields.push(field);
    workflowEntity.workflow = workflow;
  }
  const filed = draft.entities.find((e) =>
    draft.permissions.some((p) => p.role === cast.requester.name && p.entity === e.name && p.actions.includes('create')),
  );
  const permissions = mergePermissions([...draft.permissions, ...saidPermissions(u, cast, draft.entities, filed ?? main)]);
  const notifications = workflowEntity ? noticesOf(u, cast, workflowEntity) : noticesOnCreate(u, cast, main);
  const title = blueprint.title(u);
  const name = {
    en: u.subject ? `${u.subject.label.en} ${title.en}` : title.en,
    ur: u.subject ? `${u.subject.label.ur} ${title.ur}` : title.ur,
  };
  return {
    specVersion: 1,
    slug: slugOf(blueprint, u),
    name,
    roles: [cast.requester, cast.handler, ...cast.others],
    entities: draft.entities,
    permissions,
    views: draft.entities.flatMap((entity) => viewsOf(entity)),
    ...(notifications.length > 0 ? { notifications } : {}),
  };
}

/**
 * Seats the named roles: the one said to create records files them (else the first of the
 * pattern's filing side); the one said to take steps handles them (else the first official);
 * the pattern's own roles stand in for parts nobody was named for.
 */
function castOf(blueprint: Blueprint, u: Understanding): Cast {
  const named = [...u.roles];
  let attendee: RoleSpec | undefined;
  if (blueprint.name === 'attendance') {
    const index = named.findIndex((w) => ATTENDEES.includes(w.role.name) && !u.deeds.has(w.role.name));
    if (index >= 0 && named.length > 1) attendee = (named.splice(index, 1)[0] as RoleWord).role;
  }
  if (blueprint.name === 'directory') {
    // "a directory of doctors": people named with nothing to do are whom the directory lists.
    const index = named.findIndex((w) => !u.deeds.has(w.role.name));
    if (index >= 0) attendee = (named.splice(index, 1)[0] as RoleWord).role;
  }
  const does = (w: RoleWord, act: Action) => u.deeds.get(w.role.name)?.actions.has(act) ?? false;
  const steps = (w: RoleWord) => (u.deeds.get(w.role.name)?.steps.length ?? 0) > 0;
  // Someone said only to see records watches over them; they do not file them.
  const onlyWatches = (w: RoleWord) => {
    const deeds = u.deeds.get(w.role.name);
    return deeds !== undefined && deeds.steps.length === 0 && [...deeds.actions].every((a) => a === 'read');
  };
  const requesterWord =
    named.find((w) => does(w, 'create') && !steps(w)) ??
    named.find((w) => w.side === blueprint.requesterSide && !steps(w) && !onlyWatches(w)) ??
    (blueprint.requesterSide === blueprint.handlerSide ? undefined : named.find((w) => w.side === blueprint.requesterSide));
  const rest = named.filter((w) => w !== requesterWord);
  const handlerWord = rest.find(steps) ?? rest.find((w) => w.side === blueprint.handlerSide) ?? rest[0];
  let requester = requesterWord?.role ?? blueprint.requester(u);
  let handler = handlerWord?.role ?? blueprint.handler(u);
  if (handler.name === requester.name) {
    const fallback = blueprint.handler(u);
    handler = fallback.name === requester.name ? blueprint.requester(u) : fallback;
    if (handler.name === requester.name) requester = { ...requester, name: `${requester.name}_member` };
  }
  const others = named.filter((w) => w.role.name !== requester.name && w.role.name !== handler.name).map((w) => w.role);
  return {
    requester: structuredClone(requester),
    handler: structuredClone(handler),
    others: structuredClone(others),
    ...(attendee ? { attendee } : {}),
  };
}

/** The status field and its workflow: the initial state, a middle state per progress step in order, then the ends. */
function workflowOf(initial: { name: string; en: string; ur: string }, steps: Step[], cast: Cast, u: Understanding) {
  const progress = steps.filter((s) => s.kind === 'progress');
  const done = steps.filter((s) => s.kind === 'done');
  const stop = steps.filter((s) => s.kind === 'stop');
  const states = [initial, ...[...progress, ...done, ...stop].map((s) => s.state)].filter(
    (state, i, list) => list.findIndex((other) => other.name === state.name) === i,
  );
  const chain = [initial.name, ...progress.map((s) => s.state.name)];
  const open = [...new Set(chain)];
  const transitions: WorkflowSpec['transitions'] = [];
  progress.forEach((step, i) => {
    transitions.push(transition(step, [chain[i] as string], stepRoles(step, cast, u)));
  });
  const last = chain[chain.length - 1] as string;
  for (const step of done) transitions.push(transition(step, [last], stepRoles(step, cast, u)));
  for (const step of stop) transitions.push(transition(step, open, stepRoles(step, cast, u)));
  const field: FieldSpec = {
    name: 'status',
    label: { en: 'Status', ur: 'کیفیت' },
    type: 'choice',
    required: true,
    choices: states.map((s) => ({ value: s.name, label: { en: s.en, ur: s.ur } })),
  };
  return { field, workflow: { field: 'status', initial: initial.name, transitions } };
}

function transition(step: Step, from: string[], roles: string[]): WorkflowSpec['transitions'][number] {
  return { name: step.name, label: step.verb, from: from.filter((state) => state !== step.state.name), to: step.state.name, roles };
}

/** Who the text said takes a step (the filer as `creator`: only on their own record); else the handler, and for cancel also the creator. */
function stepRoles(step: Step, cast: Cast, u: Understanding): string[] {
  const roles: string[] = [];
  for (const [role, deeds] of u.deeds) {
    if (!deeds.steps.some((s) => s.name === step.name)) continue;
    const name = role === cast.requester.name ? 'creator' : role;
    if ([cast.handler.name, cast.requester.name, ...cast.others.map((r) => r.name)].includes(role) && !roles.includes(name))
      roles.push(name);
  }
  if (roles.length > 0) return roles;
  return step.name === 'cancel' ? [cast.handler.name, 'creator'] : [cast.handler.name];
}

/** What the text said a role does beyond the pattern's grants ("staff can delete", "the principal sees everything"). */
function saidPermissions(u: Understanding, cast: Cast, entities: EntitySpec[], main: EntitySpec): PermissionSpec[] {
  const permissions: PermissionSpec[] = [];
  for (const role of cast.others) {
    const actions = [...(u.deeds.get(role.name)?.actions ?? [])];
    const steps = u.deeds.get(role.name)?.steps.length ?? 0;
    if (!actions.includes('read')) actions.push('read');
    if (steps > 0 && !actions.includes('update')) actions.push('update');
    permissions.push({ role: role.name, entity: main.name, actions: orderActions(actions), scope: 'all' });
    for (const entity of entities)
      if (entity !== main) permissions.push({ role: role.name, entity: entity.name, actions: ['read'], scope: 'all' });
  }
  for (const [role, scope] of [
    [cast.requester, 'own'],
    [cast.handler, 'all'],
  ] as const) {
    // The pattern already lets the filer file; what else they were said to do applies to their own records.
    const actions = [...(u.deeds.get(role.name)?.actions ?? [])].filter((a) => scope === 'all' || a !== 'create');
    if (actions.length > 0) permissions.push({ role: role.name, entity: main.name, actions: orderActions(actions), scope });
  }
  return permissions;
}

/** One grant per role, entity and scope, actions in the usual order; a grant with conditions stays as it is. */
function mergePermissions(permissions: PermissionSpec[]): PermissionSpec[] {
  const merged: PermissionSpec[] = [];
  for (const p of permissions) {
    const same = p.when ? undefined : merged.find((m) => !m.when && m.role === p.role && m.entity === p.entity && m.scope === p.scope);
    if (same) same.actions = orderActions([...same.actions, ...p.actions]);
    else merged.push({ ...p, actions: orderActions(p.actions) });
  }
  // An action granted on all records needs no grant on one's own.
  return merged
    .map((p) => {
      if (p.scope !== 'own' || p.when) return p;
      const wider = merged.find((m) => m.scope === 'all' && !m.when && m.role === p.role && m.entity === p.entity);
      return wider ? { ...p, actions: p.actions.filter((a) => !wider.actions.includes(a)) } : p;
    })
    .filter((p) => p.actions.length > 0);
}

/** Actions in the spec's own order (create, read, update, delete), each once. */
export function orderActions(actions: readonly Action[]): PermissionSpec['actions'] {
  return ACTIONS.filter((a) => actions.includes(a)) as PermissionSpec['actions'];
}

/** Notices on the workflow's steps and on create; a step the workflow lacks is not noticed. */
function noticesOf(u: Understanding, cast: Cast, entity: EntitySpec): NotificationSpec[] {
  const notifications: NotificationSpec[] = [];
  for (const notice of u.notices) {
    if (notice.on === 'create') {
      // "the employee is notified": the filer hears the outcome; anyone else hears of new records.
      const filer = notice.to.length === 0 || notice.to.every((w) => w.role.name === cast.requester.name);
      if (!filer) {
        notifications.push(...noticesOnCreate({ ...u, notices: [notice] }, cast, entity));
        continue;
      }
      for (const t of entity.workflow?.transitions ?? []) {
        const step = STEPS.find((s) => s.name === t.name);
        if (step && step.kind !== 'progress')
          notifications.push(...noticesOf({ ...u, notices: [{ on: step, to: notice.to }] }, cast, entity));
      }
      continue;
    }
    const step = notice.on;
    if (!entity.workflow?.transitions.some((t) => t.name === step.name)) continue;
    const to = recipients(notice.to, cast, { creator: true });
    const toCreator = to.some((r) => r.creator);
    notifications.push({
      entity: entity.name,
      on: `transition:${step.name}`,
      to,
      message: toCreator
        ? {
            en: `Your ${entity.label.en.toLowerCase()} is now ${step.state.en.toLowerCase()}.`,
            ur: `آپ کا اندراج (${entity.label.ur}): ${step.state.ur}`,
          }
        : { en: `A ${entity.label.en.toLowerCase()} is now ${step.state.en.toLowerCase()}.`, ur: `${entity.label.ur}: ${step.state.ur}` },
    });
  }
  return dedupeNotifications(notifications);
}

function noticesOnCreate(u: Understanding, cast: Cast, entity: EntitySpec): NotificationSpec[] {
  return u.notices
    .filter((n) => n.on === 'create')
    .map((notice) => ({
      entity: entity.name,
      on: 'create' as const,
      to: recipients(notice.to, cast, { role: cast.handler.name }),
      message: { en: `A new ${entity.label.en.toLowerCase()} has arrived.`, ur: `نیا اندراج: ${entity.label.ur}` },
    }));
}

function dedupeNotifications(list: NotificationSpec[]): NotificationSpec[] {
  return list.filter((n, i) => list.findIndex((m) => m.on === n.on && m.entity === n.entity) === i);
}

/** The named roles as recipients (the filer as the record's creator), or `fallback` when none was named. */
function recipients(words: RoleWord[], cast: Cast, fallback: RecipientSpec): RecipientSpec[] {
  const known = [cast.requester, cast.handler, ...cast.others].map((r) => r.name);
  const to: RecipientSpec[] = [];
  for (const word of words) {
    if (word.role.name === cast.requester.name) to.push({ creator: true });
    else if (known.includes(word.role.name)) to.push({ role: word.role.name });
  }
  return to.length > 0 ? to.slice(0, 10) : [fallback];
}

const LISTABLE = new Set<FieldSpec['type']>([
  'text',
  'number',
  'money',
  'date',
  'datetime',
  'choice',
  'phone',
  'email',
  'reference',
  'yes_no',
]);

/** A list (columns, filters on choices and dates, search on text, newest first by date) and a form to fill. */
export function viewsOf(entity: EntitySpec): ViewSpec[] {
  const columns = entity.fields.filter((f) => LISTABLE.has(f.type)).slice(0, 5);
  const filters = entity.fields.filter((f) => ['choice', 'date', 'reference', 'yes_no'].includes(f.type)).slice(0, 5);
  const search = entity.fields.filter((f) => f.type === 'text' || f.type === 'long_text').slice(0, 3);
  const date = entity.fields.find((f) => f.type === 'date' || f.type === 'datetime');
  const fillable = entity.fields.filter((f) => f.name !== entity.workflow?.field);
  const views: ViewSpec[] = [
    {
      name: `${entity.name}_list`.slice(0, 40),
      label: { en: plural(entity.label.en), ur: `${entity.label.ur} کی فہرست` },
      entity: entity.name,
      kind: 'list',
      columns: (columns.length > 0 ? columns : entity.fields.slice(0, 1)).map((f) => f.name),
      ...(filters.length > 0 ? { filters: filters.map((f) => f.name) } : {}),
      ...(search.length > 0 ? { search: search.map((f) => f.name) } : {}),
      ...(date ? { sort: { field: date.name, direction: 'desc' as const } } : {}),
    },
  ];
  if (fillable.length > 0) {
    views.push({
      name: `${entity.name}_form`.slice(0, 40),
      entity: entity.name,
      kind: 'form',
      fields: fillable.map((f) => f.name),
      label: { en: `New ${entity.label.en.toLowerCase()}`, ur: `نیا اندراج: ${entity.label.ur}` },
    });
  }
  return views;
}

/** `clinic-appointments`; without a subject the pattern's own name: Urdu-only text still gets an ASCII slug. */
function slugOf(blueprint: Blueprint, u: Understanding): string {
  const tail = blueprint.slugTail(u);
  const slug = u.subject ? `${u.subject.slug}-${tail}` : tail;
  return slug.slice(0, 40).replace(/-+$/, '');
}

function plural(word: string): string {
  if (/[^aeiou]y$/.test(word)) return `${word.slice(0, -1)}ies`;
  if (/(s|x|ch|sh)$/.test(word)) return `${word}es`;
  return `${word}s`;
}
