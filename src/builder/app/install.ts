import { type AppContext, AppError, type JsonValue } from '../../subnet/index.ts';
import { assertMayBuild, claimApp, membersHoldingRole, ownerOf, recordAppRoles, recordBuilderChange } from '../people/index.ts';
import { type AppSpec, type EntitySpec, parseSpec, SpecInvalidError, stableJson, valueProblem } from '../spec/index.ts';
import {
  diffSpecs,
  entitySources,
  type Fields,
  fieldSources,
  type InstalledData,
  migrateFields,
  needsConfirmation,
  type SpecChange,
} from '../upgrade/index.ts';
import { installedVersion, latestVersion, type Reader, requireInstalled, searchableFields, specAt } from './installed.ts';
import { chargeRecord, clearIndex, type RecordRow, writeIndex } from './records.ts';

export interface DeployResult {
  app: string;
  version: number;
  changes: SpecChange[];
}

/** The installed app's records as the diff counts them. */
export function installedData(ctx: Reader, slug: string): InstalledData {
  return {
    records: (entity) => recordsOf(ctx, slug, entity).map((row) => JSON.parse(row.fields) as Fields),
    membersHolding: (role) => membersHoldingRole(ctx, slug, role),
    archived: () =>
      ctx.store
        .select<{ removed_in: number; entity: string; fields: string }>(
          'SELECT removed_in, entity, fields FROM {record_archive} WHERE app_slug = ? ORDER BY seq',
          slug,
        )
        .map((row) => ({ removedIn: row.removed_in, entity: row.entity, fields: JSON.parse(row.fields) as Fields })),
  };
}

function recordsOf(ctx: Reader, slug: string, entity: string): RecordRow[] {
  return ctx.store.select<RecordRow>('SELECT * FROM {records} WHERE app_slug = ? AND entity = ? ORDER BY id', slug, entity);
}

/** A spec from a request, or a refusal listing every problem with its place. */
export function specFrom(candidate: unknown): AppSpec {
  try {
    return parseSpec(candidate);
  } catch (error) {
    if (error instanceof SpecInvalidError)
      throw new AppError('INVALID_SPEC', error.message, { problems: error.problems as unknown as JsonValue });
    throw error;
  }
}

/**
 * Installs a new app, or upgrades an installed one to a new spec version. Safe changes apply
 * at once; changes that need confirmation apply only with `confirm`, and whatever they take
 * out of records goes to the archive first. Nothing else is ever removed.
 */
export function deploy(ctx: AppContext, candidate: unknown, confirm: boolean): DeployResult {
  const next = specFrom(candidate);
  const slug = next.slug;
  if (ownerOf(ctx, slug) === null) claimApp(ctx, slug, ctx.caller);
  else assertMayBuild(ctx, ctx.caller, slug);
  const current = installedVersion(ctx, slug);
  const old = current > 0 ? specAt(ctx, slug, current) : undefined;
  const changes = old ? diffSpecs(old, next, installedData(ctx, slug)) : [];
  if (old && stableJson(old) === stableJson(next)) throw new AppError('UNCHANGED', `"${slug}" already runs this spec (version ${current})`);
  if (needsConfirmation(changes) && !confirm) {
    throw new AppError(
      'CONFIRMATION_NEEDED',
      `this upgrade of "${slug}" needs confirmation: ${changes
        .filter((c) => c.safety === 'confirm')
        .map((c) => c.en.replace(/^confirm: /, ''))
        .join('; ')}`,
      { changes: changes as unknown as JsonValue },
    );
  }
  const version = latestVersion(ctx, slug) + 1;
  if (old) migrate(ctx, old, next, version);
  ctx.store.insert('spec_versions', {
    app_slug: slug,
    version,
    spec: stableJson(next),
    deployed_by: ctx.caller,
    deployed_at: ctx.time,
    changes: stableJson(changes),
  });
  ctx.store.put('spec_installed', { app_slug: slug, version, updated_at: ctx.time });
  recordAppRoles(
    ctx,
    slug,
    next.roles.map((role) => role.name),
  );
  const summary = old ? changes.map((c) => c.en).join('; ') || 'no change to data' : 'installed the app';
  recordBuilderChange(ctx, slug, ctx.caller, `version ${version}: ${summary}`);
  return { app: slug, version, changes };
}

/** What makes records move: entity and field names, types, choices and limits, and what is searched. */
function dataShape(spec: AppSpec, entity: EntitySpec): string {
  const fields = entity.fields.map((f) => [
    f.name,
    f.type,
    (f.choices ?? []).map((c) => c.value),
    f.min ?? null,
    f.max ?? null,
    f.entity ?? null,
  ]);
  return stableJson([entity.name, fields, searchableFields(spec, entity.name)]);
}

function migrate(ctx: AppContext, old: AppSpec, next: AppSpec, version: number): void {
  const sources = entitySources(old, next);
  const continued = new Set([...sources.values()].map((entity) => entity.name));
  for (const entity of old.entities) {
    if (continued.has(entity.name)) continue;
    for (const row of recordsOf(ctx, old.slug, entity.name)) {
      const fields = JSON.parse(row.fields) as Fields;
      archive(ctx, old.slug, version, entity.name, row.id, fields, row);
      ctx.store.delete('records', row);
      clearIndex(ctx, old, entity, row.id, fields);
      chargeRecord(ctx, old.slug, -1);
    }
  }
  for (const entity of next.entities) {
    const source = sources.get(entity.name);
    if (!source || dataShape(old, source) === dataShape(next, entity)) continue;
    if (source.name !== entity.name) {
      const counter = ctx.store.get<{ next_id: number }>('record_counters', { app_slug: old.slug, entity: source.name });
      if (counter) {
        ctx.store.delete('record_counters', { app_slug: old.slug, entity: source.name });
        ctx.store.put('record_counters', { app_slug: old.slug, entity: entity.name, next_id: counter.next_id });
      }
    }
    for (const row of recordsOf(ctx, old.slug, source.name)) {
      const before = JSON.parse(row.fields) as Fields;
      const { kept, removed } = migrateFields(source, entity, before);
      if (Object.keys(removed).length > 0) archive(ctx, old.slug, version, source.name, row.id, removed, undefined);
      clearIndex(ctx, old, source, row.id, before);
      ctx.store.delete('records', row);
      ctx.store.insert('records', { ...row, entity: entity.name, revision: row.revision + 1, fields: stableJson(kept) });
      writeIndex(ctx, next, entity, row.id, kept, undefined);
    }
  }
}

function archive(
  ctx: AppContext,
  slug: string,
  version: number,
  entity: string,
  id: number,
  fields: Fields,
  whole: RecordRow | undefined,
): void {
  const last = ctx.store.selectOne<{ seq: number | null }>('SELECT max(seq) AS seq FROM {record_archive} WHERE app_slug = ?', slug);
  ctx.store.insert('record_archive', {
    app_slug: slug,
    seq: (last?.seq ?? 0) + 1,
    removed_in: version,
    entity,
    id,
    whole: whole ? 1 : 0,
    fields: stableJson(fields),
    record: whole ? stableJson({ ...whole, fields: undefined }) : null,
    archived_at: ctx.time,
  });
}

/** Takes an app out of service: its records go to the archive, its versions stay, and it can be restored. */
export function removeApp(ctx: AppContext, slug: string): { app: string; archived: number } {
  const { spec, version } = requireInstalled(ctx, slug);
  assertMayBuild(ctx, ctx.caller, slug);
  let archived = 0;
  for (const entity of spec.entities) {
    for (const row of recordsOf(ctx, slug, entity.name)) {
      const fields = JSON.parse(row.fields) as Fields;
      archive(ctx, slug, version, entity.name, row.id, fields, row);
      ctx.store.delete('records', row);
      clearIndex(ctx, spec, entity, row.id, fields);
      chargeRecord(ctx, slug, -1);
      archived++;
    }
  }
  ctx.store.put('spec_installed', { app_slug: slug, version: 0, updated_at: ctx.time });
  recordBuilderChange(ctx, slug, ctx.caller, `removed the app (version ${version}); ${archived} record(s) archived`);
  return { app: slug, archived };
}

/**
 * Makes an earlier version live again (as a new version with the same spec) and puts back,
 * from the archive, every record and value that version can hold and the records lack.
 */
export function restoreVersion(ctx: AppContext, slug: string, version: number, confirm: boolean): DeployResult & { restored: number } {
  const target = specAt(ctx, slug, version);
  if (!target) throw new AppError('NOT_FOUND', `"${slug}" has no version ${version}`);
  assertMayBuild(ctx, ctx.caller, slug);
  const current = installedVersion(ctx, slug);
  const result =
    current > 0 && stableJson(specAt(ctx, slug, current)) === stableJson(target)
      ? { app: slug, version: current, changes: [] }
      : deploy(ctx, target, confirm);
  return { ...result, restored: unarchive(ctx, target) };
}

/**
 * Every name an entity or field has had across the app's versions, joined through renames: a
 * restored version finds what was archived under a later name.
 */
function namesAcrossVersions(ctx: AppContext, slug: string): (key: string) => string {
  const parent = new Map<string, string>();
  const root = (key: string): string => {
    const up = parent.get(key);
    if (up === undefined || up === key) return key;
    const top = root(up);
    parent.set(key, top);
    return top;
  };
  const join = (a: string, b: string) => {
    const [ra, rb] = [root(a), root(b)];
    // The smaller name becomes the root, so every replica builds the same forest.
    const [low, high] = ra < rb ? [ra, rb] : [rb, ra];
    if (low !== high) parent.set(high, low);
  };
  let previous: AppSpec | undefined;
  for (let version = 1; version <= latestVersion(ctx, slug); version++) {
    const spec = specAt(ctx, slug, version);
    if (!spec) continue;
    if (previous) {
      for (const [name, source] of entitySources(previous, spec)) {
        join(`e:${name}`, `e:${source.name}`);
        const entity = spec.entities.find((x) => x.name === name) as EntitySpec;
        for (const [field, old] of fieldSources(source, entity))
          join(`f:${root(`e:${name}`)}:${field}`, `f:${root(`e:${name}`)}:${old.name}`);
      }
    }
    previous = spec;
  }
  return root;
}

function unarchive(ctx: AppContext, spec: AppSpec): number {
  let restored = 0;
  const root = namesAcrossVersions(ctx, spec.slug);
  const rows = ctx.store.select<{ seq: number; entity: string; id: number; whole: number; fields: string; record: string | null }>(
    'SELECT seq, entity, id, whole, fields, record FROM {record_archive} WHERE app_slug = ? ORDER BY seq',
    spec.slug,
  );
  for (const item of rows) {
    const entity = spec.entities.find((e) => root(`e:${e.name}`) === root(`e:${item.entity}`));
    if (!entity) continue;
    const lineage = root(`e:${entity.name}`);
    const archived: Fields = {};
    for (const [name, value] of Object.entries(JSON.parse(item.fields) as Fields)) {
      const field = entity.fields.find((f) => root(`f:${lineage}:${f.name}`) === root(`f:${lineage}:${name}`));
      archived[field?.name ?? name] = value;
    }
    const live = ctx.store.get<RecordRow>('records', { app_slug: spec.slug, entity: entity.name, id: item.id });
    if (!live && item.whole === 0) continue;
    const current = live ? (JSON.parse(live.fields) as Fields) : {};
    const back: Fields = {};
    const left: Fields = {};
    for (const [name, value] of Object.entries(archived)) {
      const field = entity.fields.find((f) => f.name === name);
      if (field && current[name] === undefined && valueProblem(field, value) === null) back[name] = value;
      else left[name] = value;
    }
    if (Object.keys(back).length === 0 && live) continue;
    const fields = { ...current, ...back };
    if (live) {
      ctx.store.put('records', { ...live, revision: live.revision + 1, fields: stableJson(fields) });
      writeIndex(ctx, spec, entity, live.id, fields, current);
    } else {
      const meta = JSON.parse(item.record ?? '{}') as RecordRow;
      chargeRecord(ctx, spec.slug, 1);
      const counter = { app_slug: spec.slug, entity: entity.name };
      const next = ctx.store.get<{ next_id: number }>('record_counters', counter)?.next_id ?? 1;
      if (next <= item.id) ctx.store.put('record_counters', { ...counter, next_id: item.id + 1 });
      ctx.store.insert('records', { ...meta, app_slug: spec.slug, entity: entity.name, id: item.id, fields: stableJson(fields) });
      writeIndex(ctx, spec, entity, item.id, fields, undefined);
    }
    restored++;
    if (Object.keys(left).length === 0) ctx.store.delete('record_archive', { app_slug: spec.slug, seq: item.seq });
    else ctx.store.update('record_archive', { app_slug: spec.slug, seq: item.seq }, { whole: 0, fields: stableJson(left) });
  }
  return restored;
}
