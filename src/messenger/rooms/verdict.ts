/** What the authorisation rules decide about one event. */
export type AuthVerdict = { allowed: true } | { allowed: false; reason: string };

export const ALLOWED: AuthVerdict = Object.freeze({ allowed: true });

/** A refusal. `reason` is a sentence for a person: it becomes the `M_FORBIDDEN` error message. */
export function refused(reason: string): AuthVerdict {
  return { allowed: false, reason };
}
