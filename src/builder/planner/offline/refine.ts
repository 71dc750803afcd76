/**
 * Refinement: a sentence that changes the current spec ("add a phone number", "staff can also
 * delete", "remove the notes field", "فون نمبر بھی شامل کریں", "notes ka khana hata dein").
 * Each clause is one change; what no clause could use is named, and nothing is guessed.
 */
import type { Action, AppSpec, EntitySpec, FieldSpec, PermissionSpec } from '../../spec/index.ts';
import { orderActions, viewsOf } from './compose.ts';
import { ADD_WORDS, type Meaning, NEGATION_WORDS, REMOVE_WORDS, REQUIRE_WORDS, type Step } from './lexicon/index.ts';
import { type Mention, read } from './reading.ts';
import { normalise, wordsOf } from './words.ts';

interface Change {
  spec: AppSpec;
  notUnderstood: string[];
}

export function refine(current: AppSpec, text: string): Change {
  const spec = structuredClone(current);
  const reading = read(text);
  const words = wordsOf(text);
  // Words naming the app's own fields and roles ("ward") are understood even where the lexicon has no entry.
  const vocabulary = vocabularyOf(spec);
  const notUnderstood = reading.unknown
    .map((u) =>
      u.text
        .split(' ')
        .filter((word) => !vocabulary.has(normalise(word)))
        .join(' '),
    )
    .filter((text) => text.length > 0);
  const added = new Set<string>();
  // Each clause, and each part of it joined by "and" ("add a phone number and remove the photo"), is one change.
  const parts: (typeof words)[] = [];
  for (const [i, word] of words.entries()) {
    const previous = words[i - 1];
    const joins = CONJUNCTIONS.includes(word.key);
    if (!previous || previous.clause !== word.clause || joins) parts.push([]);
    if (!joins) parts[parts.length - 1]?.push(word);
  }
  let changed = false;
  let roles: string[] = [];
  const kept = parts.filter((p) => p.length > 0);
  const verbsOf = (part: (typeof words)[number][]) => part.map((w) => w.key).filter((k) => CHANGE_WORDS.includes(k));
  for (const [i, part] of kept.entries()) {
    const first = part[0] as (typeof words)[number];
    const sameClause = (other: (typeof words)[number][] | undefined) => other?.[0]?.clause === first.clause;
    let keys = part.map((w) => w.key);
    // "add notes and email", "فون نمبر اور ای میل بھی شامل کریں": a part without its own verb takes its neighbour's.
    if (verbsOf(part).length === 0) {
      const neighbour = [kept[i - 1], kept[i + 1]].find((other) => sameClause(other) && other && verbsOf(other).length > 0);
      if (neighbour) keys = [...verbsOf(neighbour), ...keys];
    }
    const start = words.indexOf(first);
    const mentions = reading.mentions.filter((m) => m.at >= start && m.at < start + part.length);
    const named = rolesNamed(spec, keys, mentions);
    // "staff can assign and resolve": the second part keeps the first part's role.
    if (named.length > 0 || !sameClause(kept[i - 1])) roles = named;
    if (refineClause(spec, keys, mentions, { added, roles, notUnderstood }) === 'changed') changed = true;
    else if (mentions.length > 0) {
      notUnderstood.push(
        `"${part.map((w) => w.text).join(' ')}" (no change recognised: say "add …", "remove the … field", "ROLE can …", "make … required")`,
      );
    }
  }
  if (changed) for (const entity of spec.entities) refreshViews(spec, entity, added);
  return { spec, notUnderstood };
}

const CONJUNCTIONS = ['and', 'aur', 'اور', 'but', 'lekin', 'لیکن'];
const MODALS = ['can', 'may', 'could', 'should', 'allowed', 'sakte', 'sakta', 'sakti', 'saktay', 'سکتا', 'سکتے', 'سکتی', 'سکیں'];
const mentionText = (mentions: Mention[], at: number) => mentions.find((m) => m.at === at)?.text ?? '';
const CHANGE_WORDS = [...ADD_WORDS, ...REMOVE_WORDS, ...REQUIRE_WORDS];
const has = (keys: string[], list: readonly string[]) => keys.some((k) => list.includes(k));
const of = <K extends Meaning['kind']>(mentions: Mention[], kind: K) =>
  mentions.flatMap((m) => m.meanings.filter((x): x is Extract<Meaning, { kind: K }> => x.kind === kind).map((x) => ({ ...x, at: m.at })));

/** What one clause may touch: the fields added so far (for the forms), the roles it speaks of, and where to say what it refused. */
interface ClauseContext {
  added: Set<string>;
  roles: string[];
  notUnderstood: string[];
}

function refineClause(
  spec: AppSpec,
  keys: string[],
  mentions: Mention[],
  { added, roles: known, notUnderstood }: ClauseContext,
): 'changed' | 'unchanged' {
  const named = fieldsNamed(spec, keys);
  const negated = has(keys, NEGATION_WORDS);
  const removing = has(keys, REMOVE_WORDS);
  let roles = known;
  // "add" edits the app unless someone "can add": then it is what they may do.
  const actionsSaid = of(mentions, 'action')
    .filter((a) => has(keys, MODALS) || !(a.action === 'create' && ADD_WORDS.includes(normalise(mentionText(mentions, a.at)))))
    .map((a) => a.action);
  // "inspectors can see every complaint", "add an auditor role": people the app does not have yet join it.
  const newcomers = of(mentions, 'role')
    .map((r) => r.word.role)
    .filter((role, i, all) => !spec.roles.some((r) => r.name === role.name) && all.findIndex((r) => r.name === role.name) === i);
  const saysWhat = actionsSaid.length > 0 || of(mentions, 'step').length > 0;
  const aboutFields = named.length > 0 || of(mentions, 'field').length > 0;
  if (roles.length === 0 && newcomers.length > 0 && !negated && !removing && !aboutFields && (saysWhat || has(keys, ADD_WORDS))) {
    for (const role of newcomers) if (spec.roles.length < 50) spec.roles.push(structuredClone(role));
    roles = newcomers.map((r) => r.name);
    // A role added with nothing said about it may read the main entity's records, no more.
    if (!saysWhat) {
      for (const role of roles) permit(spec, role, 'read');
      return 'changed';
    }
  }
  // "staff can also delete": a role and what it may do, and no field in sight.
  if (roles.length > 0 && named.length === 0 && of(mentions, 'field').length === 0) {
    const actions = [...actionsSaid];
    const steps = of(mentions, 'step').map((s) => s.step);
    if (removing && !actions.includes('delete')) actions.push('delete');
    if (actions.length === 0 && steps.length === 0) return 'unchanged';
    const files = (role: string) =>
      spec.permissions.some(
        (p) => p.role === role && p.entity === mainEntity(spec).name && p.scope === 'own' && p.actions.includes('create'),
      );
    for (const role of roles) {
      for (const action of actions) (negated ? forbid : permit)(spec, role, action);
      // Those who file a record take a step only on their own: as its creator.
      for (const step of steps) allowStep(spec, files(role) ? 'creator' : role, step, negated);
    }
    return 'changed';
  }
  if (has(keys, REQUIRE_WORDS) && named.length > 0) {
    for (const { field } of named) {
      if (negated) delete field.required;
      else field.required = true;
    }
    return 'changed';
  }
  if (removing && named.length > 0) {
    for (const { entity, field } of named) {
      if (entity.workflow?.field === field.name) {
        notUnderstood.push(`"${field.name}" is the field of ${entity.name}'s workflow and stays; change the workflow's steps instead`);
        continue;
      }
      if (entity.fields.length === 1) {
        notUnderstood.push(`"${field.name}" is the last field of ${entity.name} and stays; an entity needs at least one`);
        continue;
      }
      removeField(spec, entity, field);
    }
    return 'changed';
  }
  const fresh = of(mentions, 'field').filter((f) => !named.some((n) => n.field.name === f.word.field.name));
  if ((has(keys, ADD_WORDS) || of(mentions, 'action').some((a) => a.action === 'create')) && fresh.length > 0) {
    const entity = mainEntity(spec);
    for (const { word } of fresh) {
      if (entity.fields.some((f) => f.name === word.field.name)) continue;
      entity.fields.push(structuredClone(word.field));
      added.add(`${entity.name}.${word.field.name}`);
    }
    return 'changed';
  }
  return 'unchanged';
}

/** Fields of the current spec a clause names, by their name ("notes", "first day") or either label. */
function fieldsNamed(spec: AppSpec, keys: string[]): { entity: EntitySpec; field: FieldSpec }[] {
  const text = ` ${keys.join(' ')} `;
  const found: { entity: EntitySpec; field: FieldSpec }[] = [];
  for (const entity of [mainEntity(spec), ...spec.entities]) {
    for (const field of entity.fields) {
      if (found.some((f) => f.field === field)) continue;
      const names = [field.name.replace(/_/g, ' '), normalise(field.label.en), normalise(field.label.ur)];
      if (names.some((name) => text.includes(` ${name} `) || text.includes(` ${name}s `))) found.push({ entity, field });
    }
  }
  return found;
}

/** Roles of the spec a clause names: by the lexicon's words for them, or by their own name or label. */
function rolesNamed(spec: AppSpec, keys: string[], mentions: Mention[]): string[] {
  const text = ` ${keys.join(' ')} `;
  const names = new Set<string>();
  for (const role of of(mentions, 'role')) if (spec.roles.some((r) => r.name === role.word.role.name)) names.add(role.word.role.name);
  for (const role of spec.roles) {
    const labels = [role.name.replace(/_/g, ' '), normalise(role.label.en), normalise(role.label.ur)];
    if (labels.some((label) => text.includes(` ${label} `) || text.includes(` ${label}s `))) names.add(role.name);
  }
  return [...names];
}

/** The entity refinements apply to unless one is named: the one with a workflow, else the one its users create. */
export function mainEntity(spec: AppSpec): EntitySpec {
  return (
    spec.entities.find((e) => e.workflow) ??
    [...spec.entities]
      .reverse()
      .find((e) => spec.permissions.some((p) => p.entity === e.name && p.actions.includes('create') && p.scope === 'own')) ??
    (spec.entities[spec.entities.length - 1] as EntitySpec)
  );
}

/** Grants an action, on the scope the role already has on the entity (own for those who file, else all). */
function permit(spec: AppSpec, role: string, action: Action): void {
  const entity = mainEntity(spec).name;
  const grants = spec.permissions.filter((p) => p.role === role && p.entity === entity && !p.when);
  if (grants.some((p) => p.actions.includes(action))) return;
  const grant = grants.find((p) => p.scope === 'all') ?? grants[0];
  if (grant) grant.actions = orderActions([...grant.actions, action]);
  else spec.permissions.push({ role, entity, actions: [action], scope: 'all' });
}

function forbid(spec: AppSpec, role: string, action: Action): void {
  const entity = mainEntity(spec).name;
  for (const p of spec.permissions) if (p.role === role && p.entity === entity) p.actions = p.actions.filter((a) => a !== action) as never;
  spec.permissions = spec.permissions.filter((p) => p.actions.length > 0);
}

/** Lets a role take a workflow step; a step the workflow lacks is added from every open state. */
function allowStep(spec: AppSpec, role: string, step: Step, negated: boolean): void {
  const entity = mainEntity(spec);
  const workflow = entity.workflow;
  if (!workflow) return;
  const existing = workflow.transitions.find((t) => t.name === step.name);
  if (existing) {
    existing.roles = negated ? existing.roles.filter((r) => r !== role) : [...new Set([...existing.roles, role])];
    if (existing.roles.length === 0) workflow.transitions = workflow.transitions.filter((t) => t !== existing);
    return;
  }
  if (negated) return;
  const status = entity.fields.find((f) => f.name === workflow.field);
  if (!status?.choices) return;
  const ends = new Set(workflow.transitions.filter((t) => !workflow.transitions.some((u) => u.from.includes(t.to))).map((t) => t.to));
  const open = status.choices.map((c) => c.value).filter((v) => !ends.has(v) && v !== step.state.name);
  if (!status.choices.some((c) => c.value === step.state.name))
    status.choices.push({ value: step.state.name, label: { en: step.state.en, ur: step.state.ur } });
  workflow.transitions.push({
    name: step.name,
    label: step.verb,
    from: open.length > 0 ? open : [workflow.initial],
    to: step.state.name,
    roles: [role],
  });
}

/** Removes a field and every place that names it: views, conditions, notification texts. */
function removeField(spec: AppSpec, entity: EntitySpec, field: FieldSpec): void {
  entity.fields = entity.fields.filter((f) => f !== field);
  spec.permissions = spec.permissions
    .map((p): PermissionSpec => {
      if (p.entity !== entity.name || !p.when) return p;
      const when = p.when.filter((c) => c.field !== field.name);
      const { when: _dropped, ...rest } = p;
      return when.length > 0 ? { ...rest, when } : rest;
    })
    .filter((p) => p.actions.length > 0);
  spec.notifications = (spec.notifications ?? [])
    .filter((n) => !(n.entity === entity.name && n.to.some((r) => r.field === field.name)))
    .map((n) =>
      n.entity === entity.name
        ? {
            ...n,
            message: {
              en: n.message.en.replaceAll(`{${field.name}}`, field.label.en),
              ur: n.message.ur.replaceAll(`{${field.name}}`, field.label.ur),
            },
          }
        : n,
    );
  if (spec.notifications.length === 0) delete spec.notifications;
  for (const other of spec.entities)
    for (const f of other.fields) if (f.type === 'reference' && f.entity === entity.name && f.capacity === field.name) delete f.capacity;
}

/** Views follow the fields: a removed field leaves every view; an added one joins its entity's forms. */
function refreshViews(spec: AppSpec, entity: EntitySpec, added: Set<string>): void {
  const names = new Set(entity.fields.map((f) => f.name));
  const views = (spec.views ?? []).filter((v) => v.entity === entity.name);
  if (views.length === 0) {
    spec.views = [...(spec.views ?? []), ...viewsOf(entity)];
    return;
  }
  for (const view of views) {
    for (const key of ['columns', 'filters', 'search', 'fields'] as const) {
      const kept = view[key]?.filter((n) => names.has(n));
      if (kept === undefined) continue;
      if (kept.length === 0 && (key === 'columns' || key === 'fields')) view[key] = [entity.fields[0]?.name as string];
      else view[key] = kept;
    }
    if (view.sort && !names.has(view.sort.field)) delete view.sort;
    if (view.kind === 'form') {
      for (const f of entity.fields) {
        if (added.has(`${entity.name}.${f.name}`) && !view.fields?.includes(f.name)) view.fields = [...(view.fields ?? []), f.name];
      }
    }
  }
}

function vocabularyOf(spec: AppSpec): Set<string> {
  const words = new Set<string>();
  const addAll = (text: string) => {
    for (const word of normalise(text).split(/[\s_]+/)) if (word.length > 0) words.add(word);
  };
  for (const entity of spec.entities) {
    addAll(entity.name);
    for (const field of entity.fields) [field.name, field.label.en, field.label.ur].forEach(addAll);
  }
  for (const role of spec.roles) [role.name, role.label.en, role.label.ur].forEach(addAll);
  return words;
}
