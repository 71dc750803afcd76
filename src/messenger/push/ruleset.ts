import { defaultPushRules } from './default-rules.ts';
import type { PushAction, PushRule, PushRuleKind, PushRuleset, UserRuleBody } from './rules.ts';

/** A rule the user wrote, most important first within its kind. */
export interface UserRule extends UserRuleBody {
  kind: PushRuleKind;
  rule_id: string;
  enabled: boolean;
}

/** The rule that, enabled, silences everything; it alone outranks the user's own rules. */
const MASTER_RULE_ID = '.m.rule.master';

/** What the user changed about one server-default rule; absent fields keep the default. */
export interface DefaultRuleChange {
  kind: PushRuleKind;
  rule_id: string;
  enabled?: boolean;
  actions?: PushAction[];
}

/**
 * The ruleset a user's clients see: the server-default rules with the user's changes, and the
 * user's own rules ahead of the defaults of their kind — except `.m.rule.master`, which stays
 * above everything (client-server §Predefined Rules).
 */
export function effectiveRuleset(userId: string, userRules: readonly UserRule[], changes: readonly DefaultRuleChange[]): PushRuleset {
  const defaults = defaultPushRules(userId).global;
  const changed = (kind: PushRuleKind, rule: PushRule): PushRule => {
    const change = changes.find((candidate) => candidate.kind === kind && candidate.rule_id === rule.rule_id);
    return {
      ...rule,
      ...(change?.enabled !== undefined ? { enabled: change.enabled } : {}),
      ...(change?.actions ? { actions: change.actions } : {}),
    };
  };
  const own = (kind: PushRuleKind): PushRule[] =>
    userRules.filter((rule) => rule.kind === kind).map(({ kind: _kind, ...rule }) => ({ ...rule, default: false }));
  const merged = (kind: PushRuleKind): PushRule[] => [...own(kind), ...defaults[kind].map((rule) => changed(kind, rule))];
  const overrides = defaults.override.map((rule) => changed('override', rule));
  const isMaster = (rule: PushRule) => rule.rule_id === MASTER_RULE_ID;
  return {
    override: [...overrides.filter(isMaster), ...own('override'), ...overrides.filter((rule) => !isMaster(rule))],
    content: merged('content'),
    room: merged('room'),
    sender: merged('sender'),
    underride: merged('underride'),
  };
}

/** The server-default rule of `kind` named `ruleId`, if there is one. */
export function defaultRule(userId: string, kind: PushRuleKind, ruleId: string): PushRule | undefined {
  return defaultPushRules(userId).global[kind].find((rule) => rule.rule_id === ruleId);
}
