import type { AppSpec, EntitySpec, FieldSpec, ScalarValue } from '../spec/index.ts';
import { valueProblem } from '../spec/index.ts';

export type Fields = Record<string, ScalarValue>;

/** Which entity of the installed spec each entity of the new spec continues (by name, or by `formerly`). */
export function entitySources(old: AppSpec, next: AppSpec): Map<string, EntitySpec> {
  const byName = new Map(old.entities.map((entity) => [entity.name, entity]));
  const sources = new Map<string, EntitySpec>();
  const claimed = new Set<string>();
  for (const entity of next.entities) {
    const renamedFrom =
      entity.formerly !== undefined && !next.entities.some((e) => e.name === entity.formerly) ? byName.get(entity.formerly) : undefined;
    const source = renamedFrom ?? byName.get(entity.name);
    if (source && !claimed.has(source.name)) {
      sources.set(entity.name, source);
      claimed.add(source.name);
    }
  }
  return sources;
}

/** Which field of the old entity each field of the new one continues. */
export function fieldSources(old: EntitySpec, next: EntitySpec): Map<string, FieldSpec> {
  const byName = new Map(old.fields.map((field) => [field.name, field]));
  const sources = new Map<string, FieldSpec>();
  const claimed = new Set<string>();
  for (const field of next.fields) {
    const renamedFrom =
      field.formerly !== undefined && !next.fields.some((f) => f.name === field.formerly) ? byName.get(field.formerly) : undefined;
    const source = renamedFrom ?? byName.get(field.name);
    if (source && !claimed.has(source.name)) {
      sources.set(field.name, source);
      claimed.add(source.name);
    }
  }
  return sources;
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
