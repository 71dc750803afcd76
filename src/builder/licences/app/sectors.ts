import { AppError, type AppStore } from '../../../subnet/index.ts';

/** The four parts of the pool (issue 14): government, academia, private sector, startups. */
export const SECTORS = ['government', 'academia', 'private_sector', 'startups'] as const;
export type Sector = (typeof SECTORS)[number];

export interface SectorTerms {
  sector: Sector;
  /** Licences this sector may hold at once. */
  size: number;
  /** Apps a licensed person may own. */
  appsPerLicence: number;
  recordsPerApp: number;
  storageBytesPerApp: number;
}

const GIB = 1024 * 1024 * 1024;

/**
 * The pool before governance changes it: 1,500 licences. The split is Watan's starting
 * proposal (the issue fixes only the total); governance sets the real one.
 */
export const DEFAULT_TERMS: Readonly<Record<Sector, SectorTerms>> = {
  government: { sector: 'government', size: 600, appsPerLicence: 5, recordsPerApp: 1_000_000, storageBytesPerApp: GIB },
  academia: { sector: 'academia', size: 400, appsPerLicence: 5, recordsPerApp: 1_000_000, storageBytesPerApp: GIB },
  private_sector: { sector: 'private_sector', size: 300, appsPerLicence: 5, recordsPerApp: 1_000_000, storageBytesPerApp: GIB },
  startups: { sector: 'startups', size: 200, appsPerLicence: 5, recordsPerApp: 1_000_000, storageBytesPerApp: GIB },
};

interface SectorRow {
  [column: string]: string | number;
  sector: string;
  size: number;
  apps_per_licence: number;
  records_per_app: number;
  storage_bytes_per_app: number;
}

export function isSector(value: string): value is Sector {
  return (SECTORS as readonly string[]).includes(value);
}

export function termsOf(store: AppStore, sector: string): SectorTerms {
  if (!isSector(sector)) throw new AppError('INVALID_ARGS', `"${sector}" is not a sector; the sectors are ${SECTORS.join(', ')}`);
  const row = store.get<SectorRow>('licence_sectors', sector);
  if (!row) return DEFAULT_TERMS[sector];
  return {
    sector,
    size: row.size,
    appsPerLicence: row.apps_per_licence,
    recordsPerApp: row.records_per_app,
    storageBytesPerApp: row.storage_bytes_per_app,
  };
}

export function writeTerms(store: AppStore, terms: SectorTerms): void {
  store.put('licence_sectors', {
    sector: terms.sector,
    size: terms.size,
    apps_per_licence: terms.appsPerLicence,
    records_per_app: terms.recordsPerApp,
    storage_bytes_per_app: terms.storageBytesPerApp,
  });
}

/** Licences of the sector held now (assigned and not revoked). */
export function assignedIn(store: AppStore, sector: string): number {
  return store.selectOne<{ n: number }>('SELECT count(*) AS n FROM {licences} WHERE sector = ? AND revoked_at IS NULL', sector)?.n ?? 0;
}
