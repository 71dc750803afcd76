import Type from 'typebox';
import { AppError, defineApp, method, query } from '../subnet/index.ts';
import { callerOf } from './app/access.ts';
import { deploy, installedData, removeApp, restoreVersion, specFrom } from './app/install.ts';
import { installedVersion, requireEntity, requireInstalled, specAt } from './app/installed.ts';
import { listRecords } from './app/lists.ts';
import { pendingNotifications } from './app/notifications.ts';
import { createRecord, deleteRecord, readRecord, transitionRecord, updateRecord } from './app/records.ts';
import { engineTables } from './app/tables.ts';
import { licenceMethods, licenceQueries, licenceTables } from './licences/index.ts';
import { isBuilder, peopleMethods, peopleQueries, peopleTables, quotaOf } from './people/index.ts';
import { Name, Scalar, Slug } from './spec/index.ts';
import { diffSpecs } from './upgrade/index.ts';

const Fields = Type.Record(Type.String({ maxLength: 40 }), Type.Union([Scalar, Type.Null()]), { maxProperties: 100 });
const RecordId = Type.String({ pattern: '^[1-9][0-9]{0,15}$' });
const AppArgs = Type.Object({ app: Slug }, { additionalProperties: false });
const RecordArgs = { app: Slug, entity: Name, id: RecordId };
const Filter = Type.Union([
  Scalar,
  Type.Object({ min: Type.Optional(Scalar), max: Type.Optional(Scalar) }, { additionalProperties: false }),
  Type.Object({ in: Type.Array(Scalar, { minItems: 1, maxItems: 50 }) }, { additionalProperties: false }),
]);

/** The caller the node's notification dispatcher submits as; no account can have this id. */
export const DISPATCHER = 'watan:builder-dispatcher';

/**
 * The `builder` subnet app: the engine that runs every generated app's spec, with the licence
 * and people parts. Specs and records are rows; the tables never change.
 */
export const builderApp = defineApp({
  name: 'builder',
  tables: [...engineTables, ...licenceTables, ...peopleTables],
  methods: {
    ...licenceMethods,
    ...peopleMethods,
    /** Installs a new app (claiming its slug under the caller's licence) or upgrades it; `confirm` accepts the stated consequences. */
    app_deploy: method(
      Type.Object({ spec: Type.Unknown(), confirm: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
      (ctx, args) => deploy(ctx, args.spec, args.confirm === true),
    ),
    app_remove: method(AppArgs, (ctx, args) => removeApp(ctx, args.app)),
    app_restore: method(
      Type.Object(
        { app: Slug, version: Type.Integer({ minimum: 1 }), confirm: Type.Optional(Type.Boolean()) },
        { additionalProperties: false },
      ),
      (ctx, args) => restoreVersion(ctx, args.app, args.version, args.confirm === true),
    ),
    record_create: method(Type.Object({ app: Slug, entity: Name, fields: Fields }, { additionalProperties: false }), (ctx, args) =>
      createRecord(ctx, args.app, args.entity, withoutNulls(args.fields)),
    ),
    record_update: method(
      Type.Object(
        { ...RecordArgs, fields: Fields, revision: Type.Optional(Type.Integer({ minimum: 1 })) },
        { additionalProperties: false },
      ),
      (ctx, args) => updateRecord(ctx, args.app, args.entity, args.id, args.fields as never, args.revision),
    ),
    record_transition: method(Type.Object({ ...RecordArgs, transition: Name }, { additionalProperties: false }), (ctx, args) =>
      transitionRecord(ctx, args.app, args.entity, args.id, args.transition),
    ),
    record_delete: method(Type.Object(RecordArgs, { additionalProperties: false }), (ctx, args) =>
      deleteRecord(ctx, args.app, args.entity, args.id),
    ),
    /** Registers a file whose bytes the node stored in its content store, for the app's records to refer to. */
    file_register: method(
      Type.Object(
        {
          app: Slug,
          hash: Type.String({ pattern: '^[0-9a-f]{64}$' }),
          size: Type.Integer({ minimum: 0 }),
          content_type: Type.String({ maxLength: 255 }),
        },
        { additionalProperties: false },
      ),
      (ctx, args) => {
        const { spec } = requireInstalled(ctx, args.app);
        const caller = callerOf(ctx, spec, ctx.caller);
        const uploads = spec.permissions.some(
          (p) => caller.roles.has(p.role) && (p.actions.includes('create') || p.actions.includes('update')),
        );
        if (!uploads) throw new AppError('FORBIDDEN', `${ctx.caller} may not add files to "${args.app}"`);
        const key = { app_slug: args.app, hash: args.hash };
        const used =
          ctx.store.selectOne<{ bytes: number | null }>('SELECT sum(size) AS bytes FROM {record_files} WHERE app_slug = ?', args.app)
            ?.bytes ?? 0;
        const { storageBytes } = quotaOf(ctx, args.app);
        if (!ctx.store.get('record_files', key) && used + args.size > storageBytes) {
          throw new AppError(
            'QUOTA_REACHED',
            `"${args.app}" stores ${used} bytes of files and may store ${storageBytes}; this file (${args.size} bytes) does not fit`,
          );
        }
        if (!ctx.store.get('record_files', key)) {
          ctx.store.insert('record_files', {
            ...key,
            size: args.size,
            content_type: args.content_type,
            uploaded_by: ctx.caller,
            uploaded_at: ctx.time,
          });
        }
        return { hash: args.hash };
      },
    ),
    /** The dispatcher marks notifications it has handed to the messenger. */
    notifications_sent: method(
      Type.Object({ seqs: Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1, maxItems: 500 }) }, { additionalProperties: false }),
      (ctx, args) => {
        if (ctx.caller !== DISPATCHER) throw new AppError('FORBIDDEN', 'only the node’s notification dispatcher marks notifications sent');
        let marked = 0;
        for (const seq of [...args.seqs].sort((a, b) => a - b)) {
          const row = ctx.store.get<{ sent_at: number | null }>('notification_outbox', seq);
          if (row && row.sent_at === null) {
            ctx.store.update('notification_outbox', seq, { sent_at: ctx.time });
            marked++;
          }
        }
        return { marked };
      },
    ),
  },
  queries: {
    ...licenceQueries,
    ...peopleQueries,
    /** The live spec of an app (or a given version), for anyone: a spec holds no data. */
    app_spec: query(
      Type.Object({ app: Slug, version: Type.Optional(Type.Integer({ minimum: 1 })) }, { additionalProperties: false }),
      (ctx, args) => {
        const version = args.version ?? installedVersion(ctx, args.app);
        const spec = version > 0 ? specAt(ctx, args.app, version) : undefined;
        if (!spec) throw new AppError('NOT_FOUND', `there is no app "${args.app}"${args.version ? ` version ${args.version}` : ''}`);
        return { app: args.app, version, installed: installedVersion(ctx, args.app), spec };
      },
    ),
    app_versions: query(AppArgs, (ctx, args) =>
      ctx.store
        .select<{ version: number; deployed_by: string; deployed_at: number; changes: string }>(
          'SELECT version, deployed_by, deployed_at, changes FROM {spec_versions} WHERE app_slug = ? ORDER BY version',
          args.app,
        )
        .map((row) => ({ ...row, changes: JSON.parse(row.changes) })),
    ),
    app_list: query(Type.Object({}, { additionalProperties: false }), (ctx) =>
      ctx.store.select<{ app: string; version: number }>(
        'SELECT app_slug AS app, version FROM {spec_installed} WHERE version > 0 ORDER BY app_slug',
      ),
    ),
    /** What deploying `spec` would change, with the records each change touches (builders only: counts describe data). */
    app_diff: query(Type.Object({ spec: Type.Unknown() }, { additionalProperties: false }), (ctx, args) => {
      const next = specFrom(args.spec);
      const version = installedVersion(ctx, next.slug);
      const old = version > 0 ? specAt(ctx, next.slug, version) : undefined;
      if (!old) return { app: next.slug, installed: 0, changes: [] };
      if (!isBuilder(ctx, next.slug, ctx.caller))
        throw new AppError('FORBIDDEN', `only builders of "${next.slug}" may compare specs against its data`);
      return { app: next.slug, installed: version, changes: diffSpecs(old, next, installedData(ctx, next.slug)) };
    }),
    record_get: query(Type.Object(RecordArgs, { additionalProperties: false }), (ctx, args) =>
      readRecord(ctx, args.app, args.entity, args.id),
    ),
    record_list: query(
      Type.Object(
        {
          app: Slug,
          entity: Name,
          filters: Type.Optional(Type.Record(Type.String({ maxLength: 40 }), Filter, { maxProperties: 10 })),
          sort: Type.Optional(
            Type.Object(
              { field: Name, direction: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])) },
              { additionalProperties: false },
            ),
          ),
          search: Type.Optional(Type.String({ maxLength: 200 })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
          after: Type.Optional(Type.String({ maxLength: 400 })),
        },
        { additionalProperties: false },
      ),
      (ctx, args) => {
        const { spec } = requireInstalled(ctx, args.app);
        const entity = requireEntity(spec, args.entity);
        return listRecords(ctx, spec, entity, callerOf(ctx, spec, ctx.caller), args);
      },
    ),
    archive_list: query(AppArgs, (ctx, args) => {
      if (!isBuilder(ctx, args.app, ctx.caller)) throw new AppError('FORBIDDEN', `only builders of "${args.app}" may read its archive`);
      return ctx.store
        .select<{ seq: number; removed_in: number; entity: string; id: number; whole: number; fields: string }>(
          'SELECT seq, removed_in, entity, id, whole, fields FROM {record_archive} WHERE app_slug = ? ORDER BY seq',
          args.app,
        )
        .map((row) => ({ ...row, whole: row.whole === 1, fields: JSON.parse(row.fields) }));
    }),
    notifications_pending: query(
      Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 500 }) }, { additionalProperties: false }),
      (ctx, args) => pendingNotifications(ctx, args.limit),
    ),
  },
});

function withoutNulls(fields: Record<string, unknown>): Record<string, never> {
  const out: Record<string, never> = {};
  for (const [name, value] of Object.entries(fields)) if (value !== null) out[name] = value as never;
  return out;
}
