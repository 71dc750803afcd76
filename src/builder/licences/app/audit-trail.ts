import { type AppContext, canonicalJson, type JsonValue, type QueryContext, sha256, toHex } from '../../../subnet/index.ts';
import { auditHead, counter, GENESIS_HASH, setAuditHead, setCounter } from './settings.ts';

export type LicenceAction =
  | 'pool_set'
  | 'admin_appointed'
  | 'admin_dismissed'
  | 'licence_assigned'
  | 'licence_revoked'
  | 'app_created'
  | 'app_removed';

export interface AuditEntry {
  seq: number;
  at: number;
  actor: string;
  action: LicenceAction;
  subject: string | null;
  licence: number | null;
  details: { [key: string]: JsonValue };
  prevHash: string;
  hash: string;
}

interface AuditRow {
  [column: string]: string | number | null;
  seq: number;
  at: number;
  actor: string;
  action: string;
  subject: string | null;
  licence_no: number | null;
  details: string;
  prev_hash: string;
  hash: string;
}

/**
 * Appends one entry to the licence audit trail: who (`actor`), what, to whom, when
 * (`ctx.time`). Entries are only ever inserted; each hashes the one before, so the trail can
 * be checked end to end (`verifyAuditChain`).
 */
export function appendAudit(
  ctx: AppContext,
  entry: { actor: string; action: LicenceAction; subject?: string; licence?: number; details?: { [key: string]: JsonValue } },
): void {
  const seq = counter(ctx.store, 'audit_seq') + 1;
  const prevHash = auditHead(ctx.store);
  const fields = {
    seq,
    at: ctx.time,
    actor: entry.actor,
    action: entry.action,
    subject: entry.subject ?? null,
    licence: entry.licence ?? null,
    details: entry.details ?? {},
  };
  const hash = entryHash(prevHash, fields);
  ctx.store.insert('licence_audit', {
    seq,
    at: fields.at,
    actor: fields.actor,
    action: fields.action,
    subject: fields.subject,
    licence_no: fields.licence,
    details: canonicalJson(fields.details),
    prev_hash: prevHash,
    hash,
  });
  setCounter(ctx.store, 'audit_seq', seq);
  setAuditHead(ctx.store, hash);
}

/** SHA-256 over the previous hash and the entry's canonical JSON: what chains the trail. */
export function entryHash(prevHash: string, fields: Omit<AuditEntry, 'prevHash' | 'hash'>): string {
  return toHex(sha256(Buffer.from(`${prevHash}\n${canonicalJson(fields as unknown as JsonValue)}`, 'utf8')));
}

/** Entries after `after`, oldest first, at most `limit`. */
export function readAudit(ctx: QueryContext | AppContext, options: { after: number; limit: number; subject?: string }): AuditEntry[] {
  const rows =
    options.subject === undefined
      ? ctx.store.select<AuditRow>('SELECT * FROM {licence_audit} WHERE seq > ? ORDER BY seq LIMIT ?', options.after, options.limit)
      : ctx.store.select<AuditRow>(
          'SELECT * FROM {licence_audit} WHERE seq > ? AND subject = ? ORDER BY seq LIMIT ?',
          options.after,
          options.subject,
          options.limit,
        );
  return rows.map(entryOf);
}

function entryOf(row: AuditRow): AuditEntry {
  return {
    seq: row.seq,
    at: row.at,
    actor: row.actor,
    action: row.action as LicenceAction,
    subject: row.subject,
    licence: row.licence_no,
    details: JSON.parse(row.details) as { [key: string]: JsonValue },
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/**
 * Checks a run of entries read from the start of the trail: numbered 1, 2, 3… without gaps,
 * each hashing the one before. Returns the first problem as a sentence, or null.
 */
export function verifyAuditChain(entries: readonly AuditEntry[]): string | null {
  let prev = GENESIS_HASH;
  for (const [index, entry] of entries.entries()) {
    if (entry.seq !== index + 1) return `entry ${index + 1} is missing (found ${entry.seq} in its place)`;
    if (entry.prevHash !== prev) return `entry ${entry.seq} does not follow entry ${entry.seq - 1}`;
    const { prevHash: _p, hash: _h, ...fields } = entry;
    if (entryHash(prev, fields) !== entry.hash) return `entry ${entry.seq} was altered after it was written`;
    prev = entry.hash;
  }
  return null;
}
