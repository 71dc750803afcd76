import { type AppContext, AppError, type QueryContext } from '../../subnet/index.ts';
import { quotaOf } from '../people/index.ts';
import type { AppSpec, EntitySpec, FieldSpec, ScalarValue } from '../spec/index.ts';
import { stableJson, valueProblem } from '../spec/index.ts';
import type { Fields } from '../upgrade/index.ts';
import { assertAllowed, type Caller, callerOf, mayTransition } from './access.ts';
import { indexedFields, indexValue, searchTerms } from './index-values.ts';
import { type Reader, requireEntity, requireField, requireInstalled, searchableFields } from './installed.ts';
import { notify } from './notifications.ts';

export interface RecordRow {
  [column: string]: string | number;
  app_slug: string;
  entity: string;
  id: number;
  revision: number;
  fields: string;
  created_by: string;
  created_at: number;
  updated_by: string;
  updated_at: number;
}

/** A record as the API shows it. */
export interface AppRecord {
  id: string;
  revision: number;
  fields: Fields;
  created_by: string;
  created_at: number;
  updated_by: string;
  updated_at: number;
}

export function shown(row: RecordRow): AppRecord {
  return {
    id: String(row.id),
    revision: row.revision,
    fields: JSON.parse(row.fields) as Fields,
    created_by: row.created_by,
    created_at: row.created_at,
    updated_by: row.updated_by,
    updated_at: row.updated_at,
  };
}

export function recordRow(ctx: Reader, slug: string, entity: string, id: number): RecordRow | undefined {
  return ctx.store.get<RecordRow>('records', { app_slug: slug, entity, id });
}

export function requireRecord(ctx: Reader, slug: string, entity: string, id: string): RecordRow {
  const row = /^[1-9][0-9]{0,15}$/.test(id) ? recordRow(ctx, slug, entity, Number(id)) : undefined;
  if (!row) throw new AppError('NOT_FOUND', `"${slug}" has no ${entity} record ${id}`);
  return row;
}

/** Creates a record: the caller must be allowed to create it as it will be stored (deny by default). */
export function createRecord(ctx: AppContext, slug: string, entityName: string, input: Fields): AppRecord {
  const { spec } = requireInstalled(ctx, slug);
  const entity = requireEntity(spec, entityName);
  const caller = callerOf(ctx, spec, ctx.caller);
  const fields: Fields = {};
  for (const field of entity.fields) if (field.default !== undefined) fields[field.name] = field.default;
  if (entity.workflow) {
    if (input[entity.workflow.field] !== undefined && input[entity.workflow.field] !== entity.workflow.initial) {
      throw new AppError(
        'INVALID',
        `${entity.workflow.field} of a new ${entity.name} is "${entity.workflow.initial}"; it changes only through its transitions`,
      );
    }
    fields[entity.workflow.field] = entity.workflow.initial;
  }
  Object.assign(fields, input);
  const checked = checkFields(ctx, spec, entity, fields, null);
  assertAllowed(spec, caller, entity.name, 'create', { fields: checked, createdBy: ctx.caller });
  chargeRecord(ctx, slug, 1);
  const id = nextId(ctx, slug, entity.name);
  const row: RecordRow = {
    app_slug: slug,
    entity: entity.name,
    id,
    revision: 1,
    fields: stableJson(checked),
    created_by: ctx.caller,
    created_at: ctx.time,
    updated_by: ctx.caller,
    updated_at: ctx.time,
  };
  ctx.store.insert('records', row);
  writeIndex(ctx, spec, entity, id, checked, undefined);
  notify(ctx, spec, entity, 'create', row, checked);
  return shown(row);
}

/** Changes some fields of a record; the caller must be allowed to update it before and after. */
export function updateRecord(ctx: AppContext, slug: string, entityName: string, id: string, changes: Fields, revision?: number): AppRecord {
  const { spec } = requireInstalled(ctx, slug);
  const entity = requireEntity(spec, entityName);
  const row = requireRecord(ctx, slug, entity.name, id);
  if (revision !== undefined && revision !== row.revision) {
    throw new AppError('CONFLICT', `${entity.name} ${id} is at revision ${row.revision}, not ${revision}; read it again and retry`);
  }
  const caller = callerOf(ctx, spec, ctx.caller);
  const before = JSON.parse(row.fields) as Fields;
  assertAllowed(spec, caller, entity.name, 'update', { fields: before, createdBy: row.created_by });
  if (entity.workflow && changes[entity.workflow.field] !== undefined && changes[entity.workflow.field] !== before[entity.workflow.field]) {
    throw new AppError(
      'INVALID',
      `${entity.workflow.field} changes only through a transition (${entity.workflow.transitions.map((t) => t.name).join(', ')})`,
    );
  }
  const after: Fields = { ...before };
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) delete after[name];
    else after[name] = value;
  }
  const checked = checkFields(ctx, spec, entity, after, row.id);
  assertAllowed(spec, caller, entity.name, 'update', { fields: checked, createdBy: row.created_by });
  return shown(rewrite(ctx, spec, entity, row, before, checked));
}

/** Moves a record's workflow field along a named transition, if the record is in one of its states and the caller may. */
export function transitionRecord(ctx: AppContext, slug: string, entityName: string, id: string, name: string): AppRecord {
  const { spec } = requireInstalled(ctx, slug);
  const entity = requireEntity(spec, entityName);
  const workflow = entity.workflow;
  if (!workflow) throw new AppError('INVALID', `entity "${entity.name}" has no workflow`);
  const transition = workflow.transitions.find((t) => t.name === name);
  if (!transition)
    throw new AppError(
      'NOT_FOUND',
      `entity "${entity.name}" has no transition "${name}" (${workflow.transitions.map((t) => t.name).join(', ')})`,
    );
  const row = requireRecord(ctx, slug, entity.name, id);
  const before = JSON.parse(row.fields) as Fields;
  const caller = callerOf(ctx, spec, ctx.caller);
  const facts = { fields: before, createdBy: row.created_by };
  assertReadable(spec, caller, entity.name, facts);
  if (!mayTransition(transition.roles, caller, facts)) {
    throw new AppError('FORBIDDEN', `${ctx.caller} may not "${name}" this ${entity.name}; ${transition.roles.join(' or ')} may`);
  }
  const state = String(before[workflow.field] ?? '');
  if (!transition.from.includes(state)) {
    throw new AppError(
      'INVALID_TRANSITION',
      `"${name}" goes from ${transition.from.join(' or ')}; this ${entity.name} is ${state || 'without a status'}`,
    );
  }
  const after = { ...before, [workflow.field]: transition.to };
  const written = rewrite(ctx, spec, entity, row, before, after);
  notify(ctx, spec, entity, `transition:${name}`, written, after);
  return shown(written);
}

export function deleteRecord(ctx: AppContext, slug: string, entityName: string, id: string): { deleted: string } {
  const { spec } = requireInstalled(ctx, slug);
  const entity = requireEntity(spec, entityName);
  const row = requireRecord(ctx, slug, entity.name, id);
  const fields = JSON.parse(row.fields) as Fields;
  assertAllowed(spec, callerOf(ctx, spec, ctx.caller), entity.name, 'delete', { fields, createdBy: row.created_by });
  removeRecord(ctx, spec, entity, row, fields);
  return { deleted: id };
}

/** Reads one record the caller may read. */
export function readRecord(ctx: AppContext | QueryContext, slug: string, entityName: string, id: string): AppRecord {
  const { spec } = requireInstalled(ctx, slug);
  const entity = requireEntity(spec, entityName);
  const row = requireRecord(ctx, slug, entity.name, id);
  const caller = callerOf(ctx, spec, ctx.caller);
  assertReadable(spec, caller, entity.name, { fields: JSON.parse(row.fields) as Fields, createdBy: row.created_by });
  return shown(row);
}

function assertReadable(spec: AppSpec, caller: Caller, entity: string, facts: { fields: Fields; createdBy: string }): void {
  try {
    assertAllowed(spec, caller, entity, 'read', facts);
  } catch {
    // Whether a record exists is itself something a caller must be allowed to read.
    throw new AppError('NOT_FOUND', `"${spec.slug}" has no ${entity} record you may read`);
  }
}

export function removeRecord(ctx: AppContext, spec: AppSpec, entity: EntitySpec, row: RecordRow, fields: Fields): void {
  ctx.store.delete('records', row);
  clearIndex(ctx, spec, entity, row.id, fields);
  chargeRecord(ctx, spec.slug, -1);
}

function rewrite(ctx: AppContext, spec: AppSpec, entity: EntitySpec, row: RecordRow, before: Fields, after: Fields): RecordRow {
  const written: RecordRow = {
    ...row,
    revision: row.revision + 1,
    fields: stableJson(after),
    updated_by: ctx.caller,
    updated_at: ctx.time,
  };
  ctx.store.put('records', written);
  writeIndex(ctx, spec, entity, row.id, after, before);
  return written;
}

/** Every field value checked against the spec, unknown fields refused, required ones present, unique ones unique. */
export function checkFields(ctx: AppContext, spec: AppSpec, entity: EntitySpec, fields: Fields, id: number | null): Fields {
  const checked: Fields = {};
  for (const [name, value] of Object.entries(fields)) {
    const field = requireField(entity, name);
    if (value === '' && field.type !== 'text' && field.type !== 'long_text') continue;
    const problem = valueProblem(field, value as ScalarValue);
    if (problem) throw new AppError('INVALID', `${entity.name}.${name}: ${problem}`);
    if (field.type === 'reference' && !recordRow(ctx, spec.slug, field.entity ?? '', Number(value))) {
      throw new AppError('INVALID', `${entity.name}.${name}: there is no ${field.entity} record ${String(value)}`);
    }
    if (field.capacity !== undefined) assertCapacity(ctx, spec, entity, field, Number(value), id);
    if (field.type === 'person' && ctx.query('messenger', 'user_exists', { user_id: value }) !== true) {
      throw new AppError('INVALID', `${entity.name}.${name}: there is no account ${String(value)} on this server`);
    }
    if (field.type === 'file' && !ctx.store.get('record_files', { app_slug: spec.slug, hash: value as string })) {
      throw new AppError('INVALID', `${entity.name}.${name}: no file ${String(value)} was uploaded to "${spec.slug}"`);
    }
    if (field.unique) {
      const clash = ctx.store.selectOne<{ id: number }>(
        'SELECT id FROM {record_values} WHERE app_slug = ? AND entity = ? AND field = ? AND value = ? AND id != ? LIMIT 1',
        spec.slug,
        entity.name,
        name,
        indexValue(value),
        id ?? 0,
      );
      if (clash) throw new AppError('CONFLICT', `${entity.name}.${name}: record ${clash.id} already has this value; it must be unique`);
    }
    checked[name] = value;
  }
  for (const field of entity.fields) {
    if (field.required && checked[field.name] === undefined) throw new AppError('INVALID', `${entity.name}.${field.name} is required`);
  }
  return checked;
}

function nextId(ctx: AppContext, slug: string, entity: string): number {
  const counter = ctx.store.get<{ next_id: number }>('record_counters', { app_slug: slug, entity });
  const id = counter?.next_id ?? 1;
  ctx.store.put('record_counters', { app_slug: slug, entity, next_id: id + 1 });
  return id;
}

/** Keeps an app's live record count (entity "" of the counters) within its quota. */
export function chargeRecord(ctx: AppContext, slug: string, delta: number): void {
  const key = { app_slug: slug, entity: '' };
  const total = (ctx.store.get<{ next_id: number }>('record_counters', key)?.next_id ?? 0) + delta;
  if (delta > 0) {
    const { records } = quotaOf(ctx, slug);
    if (total > records)
      throw new AppError('QUOTA_REACHED', `"${slug}" holds ${total - delta} records, its quota; delete some or ask for a larger quota`);
  }
  ctx.store.put('record_counters', { ...key, next_id: total });
}

/** Writes the index rows and search terms that differ between a record's old and new fields. */
export function writeIndex(
  ctx: AppContext,
  spec: AppSpec,
  entity: EntitySpec,
  id: number,
  fields: Fields,
  before: Fields | undefined,
): void {
  const key = { app_slug: spec.slug, entity: entity.name };
  for (const field of indexedFields(entity)) {
    const value = indexValue(fields[field.name]);
    if (before !== undefined && value === indexValue(before[field.name])) continue;
    ctx.store.put('record_values', { ...key, field: field.name, id, value });
  }
  const searchable = searchableFields(spec, entity.name);
  const old = new Set(before ? searchTerms(before, searchable) : []);
  const next = new Set(searchTerms(fields, searchable));
  for (const term of old) if (!next.has(term)) ctx.store.delete('record_terms', { ...key, term, id });
  for (const term of next) if (!old.has(term)) ctx.store.put('record_terms', { ...key, term, id });
}

/** Removes a record's index rows and search terms (those its fields and the spec imply). */
export function clearIndex(ctx: AppContext, spec: AppSpec, entity: EntitySpec, id: number, fields: Fields): void {
  const key = { app_slug: spec.slug, entity: entity.name };
  for (const field of entity.fields) ctx.store.delete('record_values', { ...key, field: field.name, id });
  for (const term of searchTerms(fields, searchableFields(spec, entity.name))) ctx.store.delete('record_terms', { ...key, term, id });
}

/** A reference with a capacity: at most the referenced record's number of records may point at it. */
function assertCapacity(ctx: AppContext, spec: AppSpec, entity: EntitySpec, field: FieldSpec, target: number, id: number | null): void {
  const referenced = recordRow(ctx, spec.slug, field.entity ?? '', target);
  const limit = referenced ? (JSON.parse(referenced.fields) as Fields)[field.capacity ?? ''] : undefined;
  if (typeof limit !== 'number') return;
  const taken =
    ctx.store.selectOne<{ n: number }>(
      'SELECT count(*) AS n FROM {record_values} WHERE app_slug = ? AND entity = ? AND field = ? AND value = ? AND id != ?',
      spec.slug,
      entity.name,
      field.name,
      indexValue(String(target)),
      id ?? 0,
    )?.n ?? 0;
  if (taken >= limit)
    throw new AppError('CAPACITY_REACHED', `${field.entity} ${target} is full: ${taken} of ${limit} ${field.capacity} taken`);
}
