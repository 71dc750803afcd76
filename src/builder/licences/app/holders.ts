import { AppError, type AppStore } from '../../../subnet/index.ts';

export interface LicenceRow {
  [column: string]: string | number | null;
  licence_no: number;
  user_id: string;
  person_hash: string;
  sector: string;
  assigned_at: number;
  assigned_by: string;
  revoked_at: number | null;
  revoked_by: string | null;
  revoked_reason: string | null;
}

export interface Licence {
  licence: number;
  userId: string;
  sector: string;
  assignedAt: number;
  assignedBy: string;
  revoked: { at: number; by: string; reason: string } | null;
}

export function licenceOf(row: LicenceRow): Licence {
  return {
    licence: row.licence_no,
    userId: row.user_id,
    sector: row.sector,
    assignedAt: row.assigned_at,
    assignedBy: row.assigned_by,
    revoked: row.revoked_at === null ? null : { at: row.revoked_at, by: row.revoked_by ?? '', reason: row.revoked_reason ?? '' },
  };
}

/** The licence a user holds now, if any (one at a time). */
export function activeLicenceOf(store: AppStore, userId: string): LicenceRow | undefined {
  return store.selectOne<LicenceRow>(
    'SELECT * FROM {licences} WHERE user_id = ? AND revoked_at IS NULL ORDER BY licence_no LIMIT 1',
    userId,
  );
}

/** The licence held now by any account of the person with this hash. */
export function activeLicenceOfPerson(store: AppStore, personHash: string): LicenceRow | undefined {
  return store.selectOne<LicenceRow>(
    'SELECT * FROM {licences} WHERE person_hash = ? AND revoked_at IS NULL ORDER BY licence_no LIMIT 1',
    personHash,
  );
}

export function isAdministrator(store: AppStore, userId: string): boolean {
  return store.get('licence_admins', userId) !== undefined;
}

export function requireAdministrator(store: AppStore, userId: string, what: string): void {
  if (!isAdministrator(store, userId))
    throw new AppError('FORBIDDEN', `only a licence administrator may ${what}; governance appoints administrators`);
}
