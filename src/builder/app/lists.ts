import { AppError } from '../../subnet/index.ts';
import type { AppSpec, EntitySpec, ScalarValue } from '../spec/index.ts';
import type { Fields } from '../upgrade/index.ts';
import { type Caller, grants, permits } from './access.ts';
import { indexedFields, indexValue, wordsOf } from './index-values.ts';
import type { Reader } from './installed.ts';
import { type AppRecord, type RecordRow, shown } from './records.ts';

export interface ListRequest {
  /** field → value (equal), or { min, max } (a range, either end optional), or { in: [...] }. */
  filters?: Record<string, ScalarValue | { min?: ScalarValue; max?: ScalarValue } | { in: ScalarValue[] }>;
  sort?: { field: string; direction?: 'asc' | 'desc' };
  search?: string;
  limit?: number;
  /** The `next` of the previous page. */
  after?: string;
}

export interface ListPage {
  records: AppRecord[];
  next: string | null;
}

const PAGE_CEILING = 200;

/**
 * A page of the records the caller may read, walking one index in order (the sort field's, or
 * record ids) and keeping rows that pass the filters, search and permissions. Keyset paging
 * (the last row's value and id) makes every page as cheap as the first, at any depth.
 */
export function listRecords(ctx: Reader, spec: AppSpec, entity: EntitySpec, caller: Caller, request: ListRequest): ListPage {
  const readers = grants(spec, caller, entity.name, 'read');
  if (readers.length === 0) throw new AppError('FORBIDDEN', `${caller.userId} may not read ${entity.name} records in "${spec.slug}"`);
  const limit = Math.min(Math.max(request.limit ?? 50, 1), PAGE_CEILING);
  const indexed = new Set(indexedFields(entity).map((field) => field.name));
  const where: string[] = [];
  const params: unknown[] = [];
  const conditions: Condition[] = [];
  for (const [field, condition] of Object.entries(request.filters ?? {})) {
    if (!indexed.has(field))
      throw new AppError('INVALID', `entity "${entity.name}" cannot be filtered on "${field}" (filterable: ${[...indexed].join(', ')})`);
    const clause = filterClause(condition);
    conditions.push({
      exists: `(SELECT 1 FROM {record_values} f WHERE f.app_slug = r.app_slug AND f.entity = r.entity AND f.field = ? AND f.id = r.id AND ${clause.sql} LIMIT 1) = 1`,
      ids: `SELECT f.id FROM {record_values} f WHERE f.app_slug = ? AND f.entity = ? AND f.field = ? AND ${clause.sql}`,
      params: [field, ...clause.params],
    });
  }
  for (const word of wordsOf(request.search ?? '').slice(0, 5)) {
    // Whole words: each check is one primary-key lookup (a prefix would scan every word it begins).
    conditions.push({
      exists:
        '(SELECT 1 FROM {record_terms} t WHERE t.app_slug = r.app_slug AND t.entity = r.entity AND t.term = ? AND t.id = r.id LIMIT 1) = 1',
      ids: 'SELECT t.id FROM {record_terms} t WHERE t.app_slug = ? AND t.entity = ? AND t.term = ?',
      params: [word],
    });
  }
  // The most selective condition, when it matches few records, lists their ids first (one
  // indexed range read). The others are scalar subqueries checked per row by primary key
  // while walking the sort order, which stops after one page (their LIMIT keeps SQLite from
  // turning them into a join that sorts every match).
  const counted = conditions.map((condition) => ({ condition, n: matches(ctx, spec, entity, condition) }));
  const narrowest = counted.sort((a, b) => a.n - b.n)[0];
  for (const { condition, n } of counted) {
    if (condition === narrowest?.condition && n < SELECTIVE) {
      where.push(`r.id IN (${condition.ids})`);
      params.push(spec.slug, entity.name, ...condition.params);
    } else {
      where.push(condition.exists);
      params.push(...condition.params);
    }
  }
  // Only "own" readers and no "all" reader: walk the caller's own records only.
  const ownOnly = readers.every((p) => (p.scope ?? 'own') === 'own');
  if (ownOnly) {
    where.push('r.created_by = ?');
    params.push(caller.userId);
  }
  const sortField = request.sort?.field;
  if (sortField !== undefined && !indexed.has(sortField))
    throw new AppError('INVALID', `entity "${entity.name}" cannot be sorted on "${sortField}"`);
  const descending = request.sort?.direction === 'desc';
  const cursor = request.after === undefined ? undefined : parseCursor(request.after);
  const out: AppRecord[] = [];
  let last: { value: string; id: number } | undefined = cursor;
  // Pages are filled from batches: rows the permissions' conditions hide are skipped, not counted.
  for (let batch = 0; batch < 20 && out.length < limit; batch++) {
    const rows =
      sortField === undefined
        ? byId(ctx, spec, entity, where, params, last, descending, limit)
        : bySort(ctx, spec, entity, sortField, where, params, last, descending, limit);
    for (const row of rows) {
      last = { value: row.sort_value ?? '', id: row.id };
      const facts = { fields: JSON.parse(row.fields) as Fields, createdBy: row.created_by };
      if (readers.some((permission) => permits(permission, caller, facts))) out.push(shown(row));
      if (out.length === limit) break;
    }
    if (rows.length < limit) {
      return { records: out, next: null };
    }
  }
  return { records: out, next: last ? `${last.id}.${Buffer.from(last.value).toString('base64url')}` : null };
}

type Row = RecordRow & { sort_value?: string };

interface Condition {
  exists: string;
  ids: string;
  params: unknown[];
}

/** Fewer matches than this and a condition drives the list. */
const SELECTIVE = 2000;

function matches(ctx: Reader, spec: AppSpec, entity: EntitySpec, condition: Condition): number {
  const sql = `SELECT count(*) AS n FROM (${condition.ids} LIMIT ${SELECTIVE})`;
  return ctx.store.selectOne<{ n: number }>(sql, spec.slug, entity.name, ...condition.params)?.n ?? 0;
}

function byId(
  ctx: Reader,
  spec: AppSpec,
  entity: EntitySpec,
  where: string[],
  params: unknown[],
  after: { id: number } | undefined,
  desc: boolean,
  limit: number,
): Row[] {
  const clauses = [...where];
  const all = [...params];
  if (after) {
    clauses.push(desc ? 'r.id < ?' : 'r.id > ?');
    all.push(after.id);
  }
  const sql = `SELECT r.* FROM {records} r WHERE r.app_slug = ? AND r.entity = ?${clauses.map((c) => ` AND ${c}`).join('')} ORDER BY r.id ${desc ? 'DESC' : 'ASC'} LIMIT ?`;
  return ctx.store.select<Row>(sql, spec.slug, entity.name, ...all, limit);
}

function bySort(
  ctx: Reader,
  spec: AppSpec,
  entity: EntitySpec,
  field: string,
  where: string[],
  params: unknown[],
  after: { value: string; id: number } | undefined,
  desc: boolean,
  limit: number,
): Row[] {
  // A driving id list constrains the sort index by key, so the few rows it names are sorted, not the whole index walked.
  const clauses = where.map((clause) => clause.replace(/^r\.id IN \(/, 's.id IN ('));
  const all = [...params];
  if (after) {
    clauses.push(desc ? '(s.value, s.id) < (?, ?)' : '(s.value, s.id) > (?, ?)');
    all.push(after.value, after.id);
  }
  const order = desc ? 'DESC' : 'ASC';
  const sql =
    `SELECT r.*, s.value AS sort_value FROM {record_values} s JOIN {records} r ON r.app_slug = s.app_slug AND r.entity = s.entity AND r.id = s.id ` +
    `WHERE s.app_slug = ? AND s.entity = ? AND s.field = ?${clauses.map((c) => ` AND ${c}`).join('')} ORDER BY s.value ${order}, s.id ${order} LIMIT ?`;
  return ctx.store.select<Row>(sql, spec.slug, entity.name, field, ...all, limit);
}

function filterClause(condition: ScalarValue | { min?: ScalarValue; max?: ScalarValue } | { in: ScalarValue[] }): {
  sql: string;
  params: string[];
} {
  if (typeof condition !== 'object') return { sql: 'f.value = ?', params: [indexValue(condition)] };
  if ('in' in condition) {
    if (!Array.isArray(condition.in) || condition.in.length === 0 || condition.in.length > 50)
      throw new AppError('INVALID', 'a filter\'s "in" lists 1 to 50 values');
    return { sql: `f.value IN (${condition.in.map(() => '?').join(', ')})`, params: condition.in.map(indexValue) };
  }
  const sql: string[] = ["f.value != ''"];
  const params: string[] = [];
  if (condition.min !== undefined) {
    sql.push('f.value >= ?');
    params.push(indexValue(condition.min));
  }
  if (condition.max !== undefined) {
    sql.push('f.value <= ?');
    params.push(indexValue(condition.max));
  }
  return { sql: sql.join(' AND '), params };
}

function parseCursor(cursor: string): { value: string; id: number } {
  const match = /^([1-9][0-9]{0,15})\.([A-Za-z0-9_-]*)$/.exec(cursor);
  if (!match) throw new AppError('INVALID', 'the page cursor is not one this list gave; start from the first page');
  return { id: Number(match[1]), value: Buffer.from(match[2] as string, 'base64url').toString() };
}
