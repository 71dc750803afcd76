import Type from 'typebox';
import { AppError, query } from '../../../subnet/index.ts';
import { readAudit } from './audit-trail.ts';
import { isAdministrator, type LicenceRow, licenceOf } from './holders.ts';
import { assignedIn, SECTORS, type SectorTerms, termsOf } from './sectors.ts';
import { counter } from './settings.ts';

const UserId = Type.String({ maxLength: 255 });

/** One sector of the pool as `licence_pool` answers it: its terms, what is assigned and what is left. */
export interface PoolSector extends SectorTerms {
  assigned: number;
  available: number;
}

/** The licence queries of the `builder` app; names start with `licence_`. */
export const licenceQueries = {
  /** The pool: each sector's size, what is assigned and left, its quotas; and the epoch governance signs against. */
  licence_pool: query(Type.Object({}, { additionalProperties: false }), (ctx) => ({
    epoch: counter(ctx.store, 'governance_epoch'),
    sectors: SECTORS.map((sector): PoolSector => {
      const terms = termsOf(ctx.store, sector);
      const assigned = assignedIn(ctx.store, sector);
      return { ...terms, assigned, available: Math.max(0, terms.size - assigned) };
    }),
  })),

  licence_admins: query(Type.Object({}, { additionalProperties: false }), (ctx) =>
    ctx.store
      .select<{ user_id: string; appointed_at: number }>('SELECT user_id, appointed_at FROM {licence_admins} ORDER BY user_id')
      .map((row) => ({ userId: row.user_id, appointedAt: row.appointed_at })),
  ),

  /** Every licence (administrators only), newest first, optionally one sector's or only those held now. */
  licence_list: query(
    Type.Object(
      {
        sector: Type.Optional(Type.String({ maxLength: 40 })),
        held_only: Type.Optional(Type.Boolean()),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 2000 })),
      },
      { additionalProperties: false },
    ),
    (ctx, args) => {
      if (!isAdministrator(ctx.store, ctx.caller)) throw new AppError('FORBIDDEN', 'only licence administrators may list licences');
      if (args.sector !== undefined) termsOf(ctx.store, args.sector);
      const rows = ctx.store.select<LicenceRow>(
        `SELECT * FROM {licences} WHERE (@sector IS NULL OR sector = @sector) AND (@held = 0 OR revoked_at IS NULL)
          ORDER BY licence_no DESC LIMIT @limit`,
        { sector: args.sector ?? null, held: args.held_only ? 1 : 0, limit: args.limit ?? 2000 },
      );
      return rows.map(licenceOf);
    },
  ),

  /** A user's licences, current and revoked: their own, or anyone's for an administrator. */
  licence_of: query(Type.Object({ user_id: UserId }, { additionalProperties: false }), (ctx, args) => {
    if (args.user_id !== ctx.caller && !isAdministrator(ctx.store, ctx.caller))
      throw new AppError('FORBIDDEN', 'you may read only your own licence; administrators may read anyone’s');
    return ctx.store.select<LicenceRow>('SELECT * FROM {licences} WHERE user_id = ? ORDER BY licence_no', args.user_id).map(licenceOf);
  }),

  /**
   * The audit trail from entry `after` on, oldest first: all of it for administrators; a
   * person reads the entries about themselves.
   */
  licence_audit: query(
    Type.Object(
      { after: Type.Optional(Type.Integer({ minimum: 0 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) },
      { additionalProperties: false },
    ),
    (ctx, args) => {
      const options = { after: args.after ?? 0, limit: args.limit ?? 1000 };
      if (isAdministrator(ctx.store, ctx.caller)) return readAudit(ctx, options);
      return readAudit(ctx, { ...options, subject: ctx.caller });
    },
  ),
};
