/**
 * Whether someone born on `birthdate` (OpenID Connect's YYYY-MM-DD; a year alone is taken as
 * the year's last day, the safe side) is at least `minimumAge` years old at `now`. Only the
 * answer leaves ingress; the date is dropped. Someone born on 29 February comes of age on
 * 1 March in common years.
 */
export function meetsMinimumAge(birthdate: string, minimumAge: number, now: Date): boolean {
  const full = /^(\d{4})-(\d{2})-(\d{2})$/.exec(birthdate);
  const yearOnly = /^(\d{4})$/.exec(birthdate);
  if (!full && !yearOnly) throw new AgePolicyError('the provider gave a birth date in a form this server does not read');
  const year = Number((full ?? yearOnly)?.[1]);
  const month = full ? Number(full[2]) : 12;
  const day = full ? Number(full[3]) : 31;
  if (month < 1 || month > 12 || day < 1 || day > 31) throw new AgePolicyError('the provider gave an impossible birth date');
  // The day of coming of age, in UTC: Date.UTC rolls 29 February over to 1 March.
  const comingOfAge = Date.UTC(year + minimumAge, month - 1, day);
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return today >= comingOfAge;
}

export class AgePolicyError extends Error {
  override name = 'AgePolicyError';
}
