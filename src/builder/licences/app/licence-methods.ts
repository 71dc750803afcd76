import Type from 'typebox';
import { AppError, type JsonValue, method } from '../../../subnet/index.ts';
import { appendAudit } from './audit-trail.ts';
import { Approvals, requireGovernance } from './governance.ts';
import { activeLicenceOf, activeLicenceOfPerson, type LicenceRow, requireAdministrator } from './holders.ts';
import { assignedIn, SECTORS, type Sector, termsOf, writeTerms } from './sectors.ts';
import { counter, setCounter } from './settings.ts';

const UserId = Type.String({ pattern: '^@[^:]+:.+$', maxLength: 255 });
/** One of the pool's sectors (a union built from the list, typed as the list's names). */
export const SectorName = Type.Unsafe<Sector>(Type.Union(SECTORS.map((sector) => Type.Literal(sector))));

export const SectorTermsArgs = Type.Object(
  {
    sector: SectorName,
    size: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
    apps_per_licence: Type.Integer({ minimum: 1, maximum: 10_000 }),
    records_per_app: Type.Integer({ minimum: 1, maximum: 1_000_000_000 }),
    storage_bytes_per_app: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
  },
  { additionalProperties: false },
);

const AdminArgs = Type.Object({ user_id: UserId, approvals: Approvals }, { additionalProperties: false });

/** The licence methods of the `builder` app; names start with `licence_`. */
export const licenceMethods = {
  /** Governance sets sectors' sizes and quotas (the sectors listed; the others keep theirs). */
  licence_set_pool: method(
    Type.Object(
      { sectors: Type.Array(SectorTermsArgs, { minItems: 1, maxItems: SECTORS.length }), approvals: Approvals },
      { additionalProperties: false },
    ),
    (ctx, args) => {
      const named = args.sectors.map((s) => s.sector);
      if (new Set(named).size !== named.length) throw new AppError('INVALID_ARGS', 'each sector may appear only once in a pool change');
      for (const terms of args.sectors) {
        const held = assignedIn(ctx.store, terms.sector);
        if (terms.size < held)
          throw new AppError(
            'POOL_BELOW_ASSIGNED',
            `${terms.sector} holds ${held} licences now; its size cannot go below that (revoke licences first, or choose ${held} or more)`,
          );
      }
      const approvers = requireGovernance(ctx, { action: 'set_pool', sectors: args.sectors as JsonValue }, args.approvals);
      for (const terms of args.sectors) {
        writeTerms(ctx.store, {
          sector: terms.sector,
          size: terms.size,
          appsPerLicence: terms.apps_per_licence,
          recordsPerApp: terms.records_per_app,
          storageBytesPerApp: terms.storage_bytes_per_app,
        });
      }
      appendAudit(ctx, { actor: 'governance', action: 'pool_set', details: { sectors: args.sectors as JsonValue, approvers } });
      return { epoch: counter(ctx.store, 'governance_epoch') };
    },
  ),

  licence_appoint_admin: method(AdminArgs, (ctx, args) => {
    if (ctx.store.get('licence_admins', args.user_id)) throw new AppError('EXISTS', `${args.user_id} is already a licence administrator`);
    const epoch = counter(ctx.store, 'governance_epoch');
    const approvers = requireGovernance(ctx, { action: 'appoint_admin', user_id: args.user_id }, args.approvals);
    ctx.store.insert('licence_admins', { user_id: args.user_id, appointed_at: ctx.time, appointed_epoch: epoch });
    appendAudit(ctx, { actor: 'governance', action: 'admin_appointed', subject: args.user_id, details: { approvers } });
    return { epoch: epoch + 1 };
  }),

  licence_dismiss_admin: method(AdminArgs, (ctx, args) => {
    if (!ctx.store.get('licence_admins', args.user_id)) throw new AppError('NOT_FOUND', `${args.user_id} is not a licence administrator`);
    const approvers = requireGovernance(ctx, { action: 'dismiss_admin', user_id: args.user_id }, args.approvals);
    ctx.store.delete('licence_admins', args.user_id);
    appendAudit(ctx, { actor: 'governance', action: 'admin_dismissed', subject: args.user_id, details: { approvers } });
    return { epoch: counter(ctx.store, 'governance_epoch') };
  }),

  /** An administrator assigns a licence of a sector to a verified person's account. */
  licence_assign: method(
    Type.Object(
      { user_id: UserId, sector: SectorName, note: Type.Optional(Type.String({ maxLength: 500 })) },
      { additionalProperties: false },
    ),
    (ctx, args) => {
      requireAdministrator(ctx.store, ctx.caller, 'assign licences');
      const personHash = ctx.query('messenger', 'bound_person', { user_id: args.user_id }) as string | null;
      if (personHash === null)
        throw new AppError(
          'NOT_VERIFIED',
          `${args.user_id} is not bound to a verified person; licences go only to accounts made through national identity`,
        );
      const held = activeLicenceOf(ctx.store, args.user_id);
      if (held) throw new AppError('ALREADY_LICENSED', `${args.user_id} already holds licence ${held.licence_no} (${held.sector})`);
      const heldByPerson = activeLicenceOfPerson(ctx.store, personHash);
      if (heldByPerson)
        throw new AppError(
          'ALREADY_LICENSED',
          `the person behind ${args.user_id} already holds licence ${heldByPerson.licence_no} through another account; one licence per person`,
        );
      const terms = termsOf(ctx.store, args.sector);
      const assigned = assignedIn(ctx.store, args.sector);
      if (assigned >= terms.size)
        throw new AppError(
          'POOL_EXHAUSTED',
          `all ${terms.size} ${args.sector} licences are assigned; revoke one, or ask governance to enlarge the sector`,
        );
      const licence = counter(ctx.store, 'next_licence') + 1;
      setCounter(ctx.store, 'next_licence', licence);
      ctx.store.insert('licences', {
        licence_no: licence,
        user_id: args.user_id,
        person_hash: personHash,
        sector: args.sector,
        assigned_at: ctx.time,
        assigned_by: ctx.caller,
        revoked_at: null,
        revoked_by: null,
        revoked_reason: null,
      });
      appendAudit(ctx, {
        actor: ctx.caller,
        action: 'licence_assigned',
        subject: args.user_id,
        licence,
        details: { sector: args.sector, ...(args.note ? { note: args.note } : {}) },
      });
      return { licence, sector: args.sector, remaining: terms.size - assigned - 1 };
    },
  ),

  /** An administrator revokes a licence; its holder can no longer create or deploy apps. */
  licence_revoke: method(
    Type.Object(
      { licence: Type.Integer({ minimum: 1 }), reason: Type.String({ minLength: 1, maxLength: 500 }) },
      { additionalProperties: false },
    ),
    (ctx, args) => {
      requireAdministrator(ctx.store, ctx.caller, 'revoke licences');
      const row = ctx.store.get<LicenceRow>('licences', args.licence);
      if (!row) throw new AppError('NOT_FOUND', `there is no licence ${args.licence}`);
      if (row.revoked_at !== null) throw new AppError('ALREADY_REVOKED', `licence ${args.licence} was already revoked`);
      ctx.store.update('licences', args.licence, { revoked_at: ctx.time, revoked_by: ctx.caller, revoked_reason: args.reason });
      appendAudit(ctx, {
        actor: ctx.caller,
        action: 'licence_revoked',
        subject: row.user_id,
        licence: args.licence,
        details: { sector: row.sector, reason: args.reason },
      });
      return { licence: args.licence, revoked_at: ctx.time };
    },
  ),
};
