import type { TableSpec } from '../../subnet/index.ts';

/**
 * The engine's tables in the `builder` app. They are fixed; every generated app's spec and
 * records are rows in them, so installing or upgrading an app is a logged command and every
 * replica converges without a code change.
 */
export const engineTables: TableSpec[] = [
  /** Which version of an app's spec is live (0: removed, its data archived). */
  { name: 'spec_installed', columns: { app_slug: 'text', version: 'integer', updated_at: 'integer' }, primaryKey: ['app_slug'] },
  /** Every spec version ever deployed, kept so any of them can be restored. */
  {
    name: 'spec_versions',
    columns: { app_slug: 'text', version: 'integer', spec: 'text', deployed_by: 'text', deployed_at: 'integer', changes: 'text' },
    primaryKey: ['app_slug', 'version'],
  },
  /** A record of a generated app: its fields as JSON (sorted keys), who made it and when. */
  {
    name: 'records',
    columns: {
      app_slug: 'text',
      entity: 'text',
      id: 'integer',
      revision: 'integer',
      fields: 'text',
      created_by: 'text',
      created_at: 'integer',
      updated_by: 'text',
      updated_at: 'integer',
    },
    primaryKey: ['app_slug', 'entity', 'id'],
    indexes: [['app_slug', 'entity', 'created_by', 'id']],
  },
  /** One row per record and indexed field, the value encoded so text order is value order: lists filter and sort here. */
  {
    name: 'record_values',
    columns: { app_slug: 'text', entity: 'text', field: 'text', id: 'integer', value: 'text' },
    primaryKey: ['app_slug', 'entity', 'field', 'id'],
    indexes: [['app_slug', 'entity', 'field', 'value', 'id']],
  },
  /** Words of a record's searchable fields, lower-cased: search is a prefix range over them. */
  {
    name: 'record_terms',
    columns: { app_slug: 'text', entity: 'text', term: 'text', id: 'integer' },
    primaryKey: ['app_slug', 'entity', 'term', 'id'],
  },
  /** The next record id per app and entity (ids are never reused, so a restored record keeps its own). */
  { name: 'record_counters', columns: { app_slug: 'text', entity: 'text', next_id: 'integer' }, primaryKey: ['app_slug', 'entity'] },
  /**
   * What confirmed upgrades and removals took out: whole records (`whole` 1) or some of their
   * values, with the version that removed them. Restoring a version puts them back.
   */
  {
    name: 'record_archive',
    columns: {
      app_slug: 'text',
      seq: 'integer',
      removed_in: 'integer',
      entity: 'text',
      id: 'integer',
      whole: 'integer',
      fields: 'text',
      record: 'text?',
      archived_at: 'integer',
    },
    primaryKey: ['app_slug', 'seq'],
    indexes: [['app_slug', 'entity', 'id']],
  },
  /** Messages for the National Messenger, written by methods, sent by the node's dispatcher. */
  {
    name: 'notification_outbox',
    columns: { seq: 'integer', app_slug: 'text', recipient: 'text', body: 'text', created_at: 'integer', sent_at: 'integer?' },
    primaryKey: ['seq'],
    indexes: [['sent_at', 'seq']],
  },
  /** Files records refer to: bytes in the node's content store, the hash here, readable under the app's permissions. */
  {
    name: 'record_files',
    columns: { app_slug: 'text', hash: 'text', size: 'integer', content_type: 'text', uploaded_by: 'text', uploaded_at: 'integer' },
    primaryKey: ['app_slug', 'hash'],
  },
];
