import type { TableSpec } from '../../../subnet/index.ts';

/**
 * Who builds and who uses each generated app, in the `builder` app. Names start with
 * `people_` so they cannot clash with the engine's tables.
 */
export const peopleTables: TableSpec[] = [
  /** An app's owner and the licence (and so the sector and quotas) it was created under. */
  {
    name: 'people_apps',
    columns: { app_slug: 'text', owner_id: 'text', licence_no: 'integer', sector: 'text', created_at: 'integer' },
    primaryKey: ['app_slug'],
    indexes: [['owner_id']],
  },
  /** Builders of an app: its owner and the co-builders the owner added. */
  {
    name: 'people_builders',
    columns: { app_slug: 'text', user_id: 'text', added_at: 'integer', added_by: 'text' },
    primaryKey: ['app_slug', 'user_id'],
    indexes: [['user_id']],
  },
  /** The roles the app's installed spec names (the engine records them at install and upgrade). */
  { name: 'people_roles', columns: { app_slug: 'text', role: 'text' }, primaryKey: ['app_slug', 'role'] },
  /** People who use the app, with the roles the owner gave them. */
  {
    name: 'people_members',
    columns: { app_slug: 'text', user_id: 'text', joined_at: 'integer', added_by: 'text' },
    primaryKey: ['app_slug', 'user_id'],
    indexes: [['user_id']],
  },
  {
    name: 'people_member_roles',
    columns: { app_slug: 'text', user_id: 'text', role: 'text', granted_at: 'integer', granted_by: 'text' },
    primaryKey: ['app_slug', 'user_id', 'role'],
    indexes: [['app_slug', 'role']],
  },
  /** Who changed what in each app (spec changes, builders, members), in order; only appended to. */
  {
    name: 'people_changes',
    columns: { app_slug: 'text', seq: 'integer', at: 'integer', user_id: 'text', kind: 'text', what: 'text' },
    primaryKey: ['app_slug', 'seq'],
  },
];
