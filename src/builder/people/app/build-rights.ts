import { type AppContext, AppError } from '../../../subnet/index.ts';
import { activeLicenceOf, type LicenceRow, personOf, termsOf } from '../../licences/index.ts';
import { appRow, appsOwnedBy, isBuilder } from './owned-apps.ts';

/**
 * Whether `userId` may build: they hold a licence that is not revoked, their account is still
 * bound to a verified person, and — for a new app (no slug, or a slug no app has yet) — they
 * own fewer apps than their licence allows; for an existing app, they are one of its
 * builders. Throws the refusal, or returns the licence the work happens under.
 */
export function assertMayBuild(ctx: AppContext, userId: string, appSlug?: string): LicenceRow {
  const licence = activeLicenceOf(ctx.store, userId);
  if (!licence)
    throw new AppError('NOT_LICENSED', `${userId} holds no builder licence; a licence administrator assigns licences to verified people`);
  if (!personOf(ctx, userId).verified)
    throw new AppError('NOT_VERIFIED', `${userId} is no longer bound to a verified person; sign in through national identity again`);
  const app = appSlug === undefined ? undefined : appRow(ctx.store, appSlug);
  if (app) {
    if (!isBuilder(ctx, app.app_slug, userId))
      throw new AppError('NOT_A_BUILDER', `${userId} is not a builder of "${app.app_slug}"; its owner ${app.owner_id} may add them`);
    return licence;
  }
  const { appsPerLicence } = termsOf(ctx.store, licence.sector);
  const owned = appsOwnedBy(ctx.store, userId);
  if (owned.length >= appsPerLicence)
    throw new AppError(
      'QUOTA_REACHED',
      `licence ${licence.licence_no} allows ${appsPerLicence} app(s) and ${userId} owns ${owned.length} (${owned.join(', ')}); remove one first`,
    );
  return licence;
}
