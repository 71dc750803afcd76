import type { AppSpec, EntitySpec, FieldSpec, ScalarValue } from '../spec/index.ts';
import { valueProblem } from '../spec/index.ts';

export type Fields = Record<string, ScalarValue>;

/**
 * Which item of the old list each item of the new one continues: the one with its name, or
 * the one its `formerly` names (a rename) when no new item has that name. Each old item is
 * continued at most once.
 */
function continuations<T extends { name: string; formerly?: string }>(old: readonly T[], next: readonly T[]): Map<string, T> {
  const byName = new Map(old.map((item) => [item.name, item]));
  const sources = new Map<string, T>();
  const claimed = new Set<string>();
  for (const item of next) {
    const renamedFrom = item.formerly !== undefined && !next.some((n) => n.name === item.formerly) ? byName.get(item.formerly) : undefined;
    const source = renamedFrom ?? byName.get(item.name);
    if (source && !claimed.has(source.name)) {
      sources.set(item.name, source);
      claimed.add(source.name);
    }
  }
  return sources;
}

/** Which entity of the installed spec each entity of the new spec continues. */
export function entitySources(old: AppSpec, next: AppSpec): Map<string, EntitySpec> {
  return continuations(old.entities, next.entities);
}

/** Which field of the old entity each field of the new one continues. */
export function fieldSources(old: EntitySpec, next: EntitySpec): Map<string, FieldSpec> {
  return continuations(old.fields, next.fields);
}

/**
 * A value under a field's new definition: kept when the new field can hold it, converted when
 * a plain conversion makes it fit (a number becomes text, "42" becomes 42), else undefined —
 * and the caller archives it. Never a guess: a conversion must satisfy the new field exactly.
 */
export function convertValue(value: ScalarValue, field: FieldSpec): ScalarValue | undefined {
  if (valueProblem(field, value) === null) return value;
  const candidates: ScalarValue[] = [];
  if (typeof value !== 'string') candidates.push(String(value));
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) candidates.push(Number(value));
  if (value === 'true' || value === 'false') candidates.push(value === 'true');
  return candidates.find((candidate) => valueProblem(field, candidate) === null);
}

/** One record's fields moved to the new entity: what stays (renamed, converted) and what the upgrade removes. */
export function migrateFields(old: EntitySpec, next: EntitySpec, fields: Fields): { kept: Fields; removed: Fields } {
  const sources = fieldSources(old, next);
  const kept: Fields = {};
  const used = new Set<string>();
  for (const field of next.fields) {
    const source = sources.get(field.name);
    if (!source) continue;
    used.add(source.name);
    const value = fields[source.name];
    if (value === undefined) continue;
    const converted = convertValue(value, field);
    if (converted !== undefined) kept[field.name] = converted;
    else used.delete(source.name);
  }
  const removed: Fields = {};
  for (const [name, value] of Object.entries(fields)) if (!used.has(name)) removed[name] = value;
  return { kept, removed };
}
