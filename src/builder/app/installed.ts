import { AppError, type AppStore } from '../../subnet/index.ts';
import { type AppSpec, type EntitySpec, type FieldSpec, parseSpec } from '../spec/index.ts';

/** Something with the store in it: a method's or a query's context. */
export type Reader = { readonly store: AppStore };

export interface Installed {
  slug: string;
  version: number;
  spec: AppSpec;
}

/** Parsed specs by their stored text: parsing is pure, so a cache keyed by the text cannot differ between replicas. */
const parsed = new Map<string, AppSpec>();

export function specText(ctx: Reader, slug: string, version: number): string | undefined {
  return ctx.store.get<{ spec: string }>('spec_versions', { app_slug: slug, version })?.spec;
}

export function specAt(ctx: Reader, slug: string, version: number): AppSpec | undefined {
  const text = specText(ctx, slug, version);
  if (text === undefined) return undefined;
  let spec = parsed.get(text);
  if (!spec) {
    spec = parseSpec(JSON.parse(text));
    if (parsed.size > 500) parsed.clear();
    parsed.set(text, spec);
  }
  return spec;
}

export function installedVersion(ctx: Reader, slug: string): number {
  return ctx.store.get<{ version: number }>('spec_installed', slug)?.version ?? 0;
}

export function latestVersion(ctx: Reader, slug: string): number {
  return ctx.store.selectOne<{ v: number | null }>('SELECT max(version) AS v FROM {spec_versions} WHERE app_slug = ?', slug)?.v ?? 0;
}

/** The live spec of an app, or a NOT_FOUND naming the app. */
export function requireInstalled(ctx: Reader, slug: string): Installed {
  const version = installedVersion(ctx, slug);
  const spec = version > 0 ? specAt(ctx, slug, version) : undefined;
  if (!spec) throw new AppError('NOT_FOUND', `there is no app "${slug}" installed`);
  return { slug, version, spec };
}

export function requireEntity(spec: AppSpec, name: string): EntitySpec {
  const entity = spec.entities.find((e) => e.name === name);
  if (!entity)
    throw new AppError('NOT_FOUND', `app "${spec.slug}" has no entity "${name}" (it has ${spec.entities.map((e) => e.name).join(', ')})`);
  return entity;
}

export function requireField(entity: EntitySpec, name: string): FieldSpec {
  const field = entity.fields.find((f) => f.name === name);
  if (!field) throw new AppError('INVALID', `entity "${entity.name}" has no field "${name}"`);
  return field;
}

/** The fields any list view of the spec searches, for an entity. */
export function searchableFields(spec: AppSpec, entity: string): string[] {
  const names = new Set<string>();
  for (const view of spec.views ?? [])
    if (view.entity === entity && view.kind === 'list') for (const name of view.search ?? []) names.add(name);
  return [...names].sort();
}
