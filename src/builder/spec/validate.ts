import { Compile } from 'typebox/compile';
import { AppSpec, type EntitySpec, type FieldSpec, type ScalarValue } from './schema.ts';

/** One thing wrong with a spec: where (a JSON pointer into it) and what, in words a builder can act on. */
export interface SpecProblem {
  path: string;
  problem: string;
}

export class SpecInvalidError extends Error {
  override name = 'SpecInvalidError';
  readonly problems: SpecProblem[];
  constructor(problems: SpecProblem[]) {
    super(`the app spec has ${problems.length} problem(s): ${problems.map((p) => `${p.path}: ${p.problem}`).join('; ')}`);
    this.problems = problems;
  }
}

/** Roles every app has without declaring them: its owners (builders) and, in transitions, a record's creator. */
export const OWNER_ROLE = 'owner';
export const CREATOR_ROLE = 'creator';

const compiled = Compile(AppSpec);

/** Every problem in a candidate spec, or none: the schema's first, then the cross-references. */
export function specProblems(candidate: unknown): SpecProblem[] {
  if (!compiled.Check(candidate)) {
    const problems: SpecProblem[] = [];
    for (const error of compiled.Errors(candidate)) {
      problems.push({ path: error.instancePath || '/', problem: error.message });
      if (problems.length >= 50) break;
    }
    return problems;
  }
  return crossReferenceProblems(candidate);
}

/** The spec, typed, or a SpecInvalidError listing every problem. */
export function parseSpec(candidate: unknown): AppSpec {
  const problems = specProblems(candidate);
  if (problems.length > 0) throw new SpecInvalidError(problems);
  return candidate as AppSpec;
}

function crossReferenceProblems(spec: AppSpec): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const report = (path: string, problem: string) => problems.push({ path, problem });
  duplicates(spec.roles, '/roles', 'role', report);
  duplicates(spec.entities, '/entities', 'entity', report);
  duplicates(spec.views ?? [], '/views', 'view', report);
  const roles = new Set(spec.roles.map((role) => role.name));
  spec.roles.forEach((role, i) => {
    if (role.name === OWNER_ROLE || role.name === CREATOR_ROLE) {
      report(`/roles/${i}/name`, `"${role.name}" is built in (the app's owners; a record's creator); choose another name`);
    }
  });
  const knownRole = (name: string) => roles.has(name) || name === OWNER_ROLE;
  const entities = new Map(spec.entities.map((entity) => [entity.name, entity]));
  spec.entities.forEach((entity, e) => {
    checkEntity(entity, `/entities/${e}`, entities, knownRole, report);
  });
  spec.permissions.forEach((permission, p) => {
    const at = `/permissions/${p}`;
    if (!knownRole(permission.role)) report(`${at}/role`, `no role "${permission.role}" (roles: ${[...roles].join(', ')}, owner)`);
    const entity = entities.get(permission.entity);
    if (!entity) {
      report(`${at}/entity`, `no entity "${permission.entity}"`);
      return;
    }
    permission.when?.forEach((condition, c) => {
      const where = `${at}/when/${c}`;
      const field = entity.fields.find((f) => f.name === condition.field);
      if (!field) {
        report(`${where}/field`, `entity "${entity.name}" has no field "${condition.field}"`);
        return;
      }
      const tests = [condition.equals !== undefined, condition.in !== undefined, condition.isCaller !== undefined].filter(Boolean).length;
      if (tests !== 1) report(where, 'a condition needs exactly one of equals, in, isCaller');
      for (const value of condition.equals !== undefined ? [condition.equals] : (condition.in ?? [])) {
        const problem = valueProblem(field, value);
        if (problem) report(where, `field "${field.name}": ${problem}`);
      }
      if (condition.isCaller === 'person' && field.type !== 'person')
        report(where, `isCaller person needs a person field; "${field.name}" is ${field.type}`);
      if (condition.isCaller === 'organisation' && field.type !== 'text' && field.type !== 'choice') {
        report(where, `isCaller organisation compares a text or choice field; "${field.name}" is ${field.type}`);
      }
    });
  });
  (spec.views ?? []).forEach((view, v) => {
    const at = `/views/${v}`;
    const entity = entities.get(view.entity);
    if (!entity) {
      report(`${at}/entity`, `no entity "${view.entity}"`);
      return;
    }
    const names = new Set(entity.fields.map((f) => f.name));
    for (const key of ['columns', 'filters', 'search', 'fields'] as const) {
      view[key]?.forEach((name, i) => {
        if (!names.has(name)) report(`${at}/${key}/${i}`, `entity "${entity.name}" has no field "${name}"`);
      });
    }
    if (view.sort && !names.has(view.sort.field)) report(`${at}/sort/field`, `entity "${entity.name}" has no field "${view.sort.field}"`);
    if (view.kind !== 'list' && (view.filters || view.sort || view.search || view.columns)) {
      report(at, `columns, filters, sort and search belong to list views; this is a ${view.kind} view`);
    }
  });
  (spec.notifications ?? []).forEach((notification, n) => {
    const at = `/notifications/${n}`;
    const entity = entities.get(notification.entity);
    if (!entity) {
      report(`${at}/entity`, `no entity "${notification.entity}"`);
      return;
    }
    if (notification.on !== 'create') {
      const name = notification.on.slice('transition:'.length);
      if (!entity.workflow?.transitions.some((t) => t.name === name))
        report(`${at}/on`, `entity "${entity.name}" has no transition "${name}"`);
    }
    notification.to.forEach((recipient, r) => {
      const where = `${at}/to/${r}`;
      const kinds = [recipient.role, recipient.field, recipient.creator, recipient.room].filter((x) => x !== undefined).length;
      if (kinds !== 1) report(where, 'a recipient is exactly one of role, field, creator, room');
      if (recipient.role !== undefined && !knownRole(recipient.role)) report(`${where}/role`, `no role "${recipient.role}"`);
      if (recipient.field !== undefined) {
        const field = entity.fields.find((f) => f.name === recipient.field);
        if (field?.type !== 'person') report(`${where}/field`, `"${recipient.field}" is not a person field of entity "${entity.name}"`);
      }
    });
    for (const [language, text] of Object.entries(notification.message)) {
      for (const [, name] of text.matchAll(/\{([a-z][a-z0-9_]*)\}/g)) {
        if (!entity.fields.some((f) => f.name === name))
          report(`${at}/message/${language}`, `{${name}} is not a field of entity "${entity.name}"`);
      }
    }
  });
  return problems;
}

function checkEntity(
  entity: EntitySpec,
  at: string,
  entities: Map<string, EntitySpec>,
  knownRole: (name: string) => boolean,
  report: (path: string, problem: string) => void,
): void {
  duplicates(entity.fields, `${at}/fields`, 'field', report);
  entity.fields.forEach((field, f) => {
    const where = `${at}/fields/${f}`;
    if (field.type === 'choice' && !field.choices) report(`${where}/choices`, `choice field "${field.name}" needs a list of choices`);
    if (field.type !== 'choice' && field.choices)
      report(`${where}/choices`, `only choice fields have choices; "${field.name}" is ${field.type}`);
    if (field.choices)
      duplicates(
        field.choices.map((c) => ({ name: c.value })),
        `${where}/choices`,
        'choice',
        report,
      );
    if (field.type === 'reference') {
      if (!field.entity) report(`${where}/entity`, `reference field "${field.name}" needs the entity it points at`);
      else if (!entities.has(field.entity)) report(`${where}/entity`, `no entity "${field.entity}"`);
    } else if (field.entity) report(`${where}/entity`, `only reference fields name an entity; "${field.name}" is ${field.type}`);
    if (field.capacity !== undefined) {
      const target = field.type === 'reference' ? entities.get(field.entity ?? '') : undefined;
      const cap = target?.fields.find((f) => f.name === field.capacity);
      if (!target) report(`${where}/capacity`, `only reference fields have a capacity; "${field.name}" is ${field.type}`);
      else if (cap?.type !== 'number') report(`${where}/capacity`, `"${field.capacity}" is not a number field of entity "${target.name}"`);
    }
    for (const bound of ['min', 'max'] as const) {
      const value = field[bound];
      if (value === undefined) continue;
      const wanted = field.type === 'date' || field.type === 'datetime' ? 'string' : 'number';
      if (!['text', 'long_text', 'number', 'money', 'date', 'datetime'].includes(field.type)) {
        report(`${where}/${bound}`, `${field.type} fields take no ${bound}`);
      } else if (typeof value !== wanted) report(`${where}/${bound}`, `${bound} of a ${field.type} field must be a ${wanted}`);
      else if (wanted === 'string' && valueProblem({ ...field, min: undefined, max: undefined }, value)) {
        report(
          `${where}/${bound}`,
          `${bound} "${value}" is not a ${field.type} (${field.type === 'date' ? 'YYYY-MM-DD' : 'YYYY-MM-DDTHH:MM:SSZ'})`,
        );
      }
    }
    if (field.min !== undefined && field.max !== undefined && field.min > field.max)
      report(where, `min ${field.min} is above max ${field.max}`);
    if (field.default !== undefined) {
      const problem = valueProblem(field, field.default);
      if (problem) report(`${where}/default`, problem);
      if (field.type === 'person' || field.type === 'file' || field.type === 'reference')
        report(`${where}/default`, `${field.type} fields take no default`);
    }
    if (field.unique && (field.type === 'long_text' || field.type === 'file' || field.type === 'yes_no')) {
      report(`${where}/unique`, `${field.type} fields cannot be unique`);
    }
  });
  const workflow = entity.workflow;
  if (!workflow) return;
  const status = entity.fields.find((f) => f.name === workflow.field);
  if (!status) {
    report(`${at}/workflow/field`, `entity "${entity.name}" has no field "${workflow.field}"`);
    return;
  }
  if (status.type !== 'choice') {
    report(`${at}/workflow/field`, `the workflow field "${status.name}" must be a choice field, not ${status.type}`);
    return;
  }
  const states = new Set((status.choices ?? []).map((c) => c.value));
  if (!states.has(workflow.initial)) report(`${at}/workflow/initial`, `"${workflow.initial}" is not a choice of "${status.name}"`);
  duplicates(workflow.transitions, `${at}/workflow/transitions`, 'transition', report);
  workflow.transitions.forEach((transition, t) => {
    const where = `${at}/workflow/transitions/${t}`;
    transition.from.forEach((state, s) => {
      if (!states.has(state)) report(`${where}/from/${s}`, `"${state}" is not a choice of "${status.name}"`);
    });
    if (!states.has(transition.to)) report(`${where}/to`, `"${transition.to}" is not a choice of "${status.name}"`);
    transition.roles.forEach((role, r) => {
      if (!knownRole(role) && role !== CREATOR_ROLE) report(`${where}/roles/${r}`, `no role "${role}"`);
    });
  });
}

function duplicates(items: readonly { name: string }[], at: string, kind: string, report: (path: string, problem: string) => void): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    if (seen.has(item.name)) report(`${at}/${i}/name`, `${kind} "${item.name}" is named twice`);
    seen.add(item.name);
  });
}

const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const DATETIME = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,3})?)?Z$/;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}\.[^\s@]{2,}$/;
const PHONE = /^\+?[0-9][0-9 -]{6,18}[0-9]$/;
const PERSON = /^@[a-z0-9._=/+-]+:[A-Za-z0-9.:-]+$/;
const FILE_HASH = /^[0-9a-f]{64}$/;
const RECORD_ID = /^[1-9][0-9]{0,15}$/;

/** Why `value` cannot be held by `field`, or null: the same rules for defaults, conditions and records. */
export function valueProblem(field: FieldSpec, value: ScalarValue): string | null {
  const text = typeof value === 'string';
  switch (field.type) {
    case 'text':
    case 'long_text': {
      if (!text) return `expected text, got ${typeof value}`;
      const limit = field.type === 'text' ? 500 : 10000;
      if (value.length > limit) return `at most ${limit} characters`;
      if (typeof field.min === 'number' && value.length < field.min) return `at least ${field.min} characters`;
      if (typeof field.max === 'number' && value.length > field.max) return `at most ${field.max} characters`;
      return null;
    }
    case 'number':
    case 'money': {
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
        return field.type === 'money'
          ? `expected an amount in paisa (a whole number; Rs 12.50 is 1250), got ${typeof value === 'number' ? value : typeof value}`
          : `expected a whole number, got ${typeof value === 'number' ? value : typeof value}`;
      }
      if (typeof field.min === 'number' && value < field.min) return `at least ${field.min}`;
      if (typeof field.max === 'number' && value > field.max) return `at most ${field.max}`;
      return null;
    }
    case 'date':
    case 'datetime': {
      const pattern = field.type === 'date' ? DATE : DATETIME;
      if (!text || !pattern.test(value))
        return `expected a ${field.type === 'date' ? 'date YYYY-MM-DD' : 'UTC date-time YYYY-MM-DDTHH:MM:SSZ'}`;
      if (typeof field.min === 'string' && value < field.min) return `not before ${field.min}`;
      if (typeof field.max === 'string' && value > field.max) return `not after ${field.max}`;
      return null;
    }
    case 'yes_no':
      return typeof value === 'boolean' ? null : `expected true or false, got ${typeof value}`;
    case 'choice':
      return text && field.choices?.some((c) => c.value === value)
        ? null
        : `"${String(value)}" is not one of the choices (${(field.choices ?? []).map((c) => c.value).join(', ')})`;
    case 'email':
      return text && EMAIL.test(value) ? null : 'expected an email address';
    case 'phone':
      return text && PHONE.test(value) ? null : 'expected a phone number (digits, optional +, spaces or -)';
    case 'person':
      return text && PERSON.test(value) ? null : 'expected a person as a Matrix user id (@name:server)';
    case 'reference':
      return text && RECORD_ID.test(value) ? null : `expected the id of a ${field.entity ?? ''} record`;
    case 'file':
      return text && FILE_HASH.test(value) ? null : 'expected an uploaded file (its SHA-256 hash)';
    default:
      return `unknown field type ${String(field.type)}`;
  }
}
