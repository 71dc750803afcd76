import type { TableSpec } from '../../../subnet/index.ts';

/**
 * The licence tables of the `builder` app. Names start with `licence` so they cannot clash
 * with the engine's tables in the same app.
 */
export const licenceTables: TableSpec[] = [
  /** Counters: `governance_epoch` (what governance approvals are bound to), `next_licence`, `audit_head`. */
  { name: 'licence_settings', columns: { key: 'text', value: 'text' }, primaryKey: ['key'] },
  /** A sector's share of the pool and its quotas, once governance has set them (else the defaults hold). */
  {
    name: 'licence_sectors',
    columns: {
      sector: 'text',
      size: 'integer',
      apps_per_licence: 'integer',
      records_per_app: 'integer',
      storage_bytes_per_app: 'integer',
    },
    primaryKey: ['sector'],
  },
  /** Licence administrators, appointed and dismissed by governance. */
  { name: 'licence_admins', columns: { user_id: 'text', appointed_at: 'integer', appointed_epoch: 'integer' }, primaryKey: ['user_id'] },
  {
    name: 'licences',
    columns: {
      licence_no: 'integer',
      user_id: 'text',
      // The messenger's keyed hash of the person behind the account: one licence per person,
      // whichever of their accounts asks. Never answered by a query.
      person_hash: 'text',
      sector: 'text',
      assigned_at: 'integer',
      assigned_by: 'text',
      revoked_at: 'integer?',
      revoked_by: 'text?',
      revoked_reason: 'text?',
    },
    primaryKey: ['licence_no'],
    indexes: [['user_id'], ['person_hash'], ['sector', 'revoked_at']],
  },
  /**
   * The audit trail: one row per licence action, never updated or deleted. Each entry's
   * `hash` covers the previous entry's, so an edited or removed entry breaks the chain.
   */
  {
    name: 'licence_audit',
    columns: {
      seq: 'integer',
      at: 'integer',
      actor: 'text',
      action: 'text',
      subject: 'text?',
      licence_no: 'integer?',
      details: 'text',
      prev_hash: 'text',
      hash: 'text',
    },
    primaryKey: ['seq'],
    indexes: [['subject']],
  },
];
