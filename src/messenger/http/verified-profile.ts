import type { NodeContext } from '../../node/index.ts';
import { runQuery } from './commands.ts';

/** The profile fields (namespaced, as the specification allows extra profile fields) that show a verified account. */
export const VERIFIED_FIELD = 'pk.gov.watan.verified_person';
export const ORGANISATION_FIELD = 'pk.gov.watan.organisation';

/** The verified badge and an official's organisation, for GET /profile/{userId}; nothing for other accounts. */
export function verifiedProfileFields(node: NodeContext, userId: string, caller: string): Record<string, unknown> {
  const facts = runQuery<{ organisation?: Record<string, string> } | null>(
    node.subnet,
    'verified_attestation',
    { user_id: userId },
    caller,
  );
  if (facts === null) return {};
  return { [VERIFIED_FIELD]: true, ...(facts.organisation ? { [ORGANISATION_FIELD]: facts.organisation } : {}) };
}
