import Type, { type Static } from 'typebox';
import {
  type AppContext,
  AppError,
  type Approval,
  canonicalJsonBytes,
  type JsonValue,
  type RegistryView,
  validApprovers,
} from '../../../subnet/index.ts';
import { counter, setCounter } from './settings.ts';

const DOMAIN = Buffer.from('watan/licences/v1\n', 'utf8');

export const Approvals = Type.Array(
  Type.Object(
    { key: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }), signature: Type.String({ maxLength: 200 }) },
    { additionalProperties: false },
  ),
  { minItems: 1, maxItems: 64 },
);

/**
 * A governance decision about licences, as the governance key holders sign it: bound to the
 * subnet and to the licence governance epoch, which every decision advances, so a signed
 * decision counts once and cannot be replayed later.
 */
export type GovernanceDecision =
  | { action: 'set_pool'; sectors: JsonValue }
  | { action: 'appoint_admin'; user_id: string }
  | { action: 'dismiss_admin'; user_id: string };

export function decisionBytes(subnet: string, epoch: number, decision: GovernanceDecision): Buffer {
  return Buffer.concat([DOMAIN, canonicalJsonBytes({ ...decision, subnet, epoch } as JsonValue)]);
}

/**
 * Checks that `approvals` carry valid signatures over the decision from at least the
 * registry's threshold of governance keys (the same keys and m-of-n that admit nodes), then
 * advances the epoch. Returns the approving keys, for the audit trail.
 */
export function requireGovernance(ctx: AppContext, decision: GovernanceDecision, approvals: Static<typeof Approvals>): string[] {
  const registry = ctx.query('registry', 'view', {}) as RegistryView | null;
  if (!registry) throw new AppError('NOT_INITIALISED', 'the subnet registry has no governance keys yet');
  const epoch = counter(ctx.store, 'governance_epoch');
  const keys = registry.governanceKeys.map((g) => g.key);
  const approvers = validApprovers(approvals as Approval[], keys, decisionBytes(registry.subnet, epoch, decision));
  if (approvers.size < registry.threshold) {
    const invalid = approvals.length - approvers.size;
    throw new AppError(
      'APPROVALS_INSUFFICIENT',
      `this ${decision.action.replace('_', ' ')} needs valid signatures from ${registry.threshold} governance key(s) over licence epoch ${epoch}; ${approvers.size} verified` +
        (invalid > 0 ? `, ${invalid} did not (forged, for other content or another epoch, or not a governance key)` : ''),
    );
  }
  setCounter(ctx.store, 'governance_epoch', epoch + 1);
  return [...approvers].sort();
}
