/**
 * Push rules as the specification shapes them (client-server §Push Rules), and the checks a
 * rule a user writes must pass. Pure: the messenger app runs these checks in the executor, so
 * every replica refuses the same rules.
 */

/** The kinds of rule, in the order a homeserver checks them. */
export const PUSH_RULE_KINDS = ['override', 'content', 'room', 'sender', 'underride'] as const;
export type PushRuleKind = (typeof PUSH_RULE_KINDS)[number];

export type PushAction = string | { set_tweak: string; value?: unknown; [key: string]: unknown };

export interface PushCondition {
  kind: string;
  [key: string]: unknown;
}

export interface PushRule {
  rule_id: string;
  default: boolean;
  enabled: boolean;
  actions: PushAction[];
  conditions?: PushCondition[];
  pattern?: string;
}

export type PushRuleset = Record<PushRuleKind, PushRule[]>;

/** What a user says about a rule of their own: the parts that depend on its kind. */
export interface UserRuleBody {
  actions: PushAction[];
  conditions?: PushCondition[];
  pattern?: string;
}

/** Actions clients and homeservers must ignore (§Historical Actions); stripped when stored. */
const HISTORICAL_ACTIONS = new Set(['dont_notify', 'coalesce']);

export function isServerDefaultRuleId(ruleId: string): boolean {
  return ruleId.startsWith('.');
}

/** Why `ruleId` cannot name a new user rule of `kind`, or null if it can. */
export function ruleIdProblem(kind: PushRuleKind, ruleId: string): string | null {
  if (isServerDefaultRuleId(ruleId)) return `rule ids starting with "." are reserved for server-default rules; choose another id`;
  if (/[/\\]/.test(ruleId)) return 'a rule id may not contain "/" or "\\"';
  if (kind === 'room' && !ruleId.startsWith('!')) return 'the id of a room rule is the id of its room ("!...")';
  if (kind === 'sender' && !ruleId.startsWith('@')) return 'the id of a sender rule is the sender\'s user id ("@...")';
  return null;
}

/** The actions as stored, or why they are not actions. */
export function parseActions(actions: unknown): PushAction[] | string {
  if (!Array.isArray(actions)) return 'actions must be a list';
  for (const action of actions) {
    if (typeof action === 'string') {
      if (action !== 'notify' && !HISTORICAL_ACTIONS.has(action)) return `unknown action "${action}"; use "notify" or a set_tweak object`;
    } else if (!isObject(action) || typeof action.set_tweak !== 'string') {
      return 'an action is "notify" or an object with a string set_tweak';
    }
  }
  return actions.filter((action) => typeof action !== 'string' || !HISTORICAL_ACTIONS.has(action)) as PushAction[];
}

/**
 * The rule a user asked for, reduced to what its kind uses, or why it cannot be. Conditions
 * of kinds this server does not know are kept: the specification has them never match.
 */
export function parseUserRule(kind: PushRuleKind, body: Record<string, unknown>): UserRuleBody | string {
  const actions = parseActions(body.actions);
  if (typeof actions === 'string') return actions;
  if (kind === 'content') {
    if (typeof body.pattern !== 'string' || body.pattern === '') return 'a content rule needs a pattern';
    return { actions, pattern: body.pattern };
  }
  if (kind === 'room' || kind === 'sender') return { actions };
  const conditions = body.conditions ?? [];
  if (!Array.isArray(conditions)) return 'conditions must be a list';
  for (const condition of conditions) {
    const problem = conditionProblem(condition);
    if (problem) return problem;
  }
  return { actions, conditions: conditions as PushCondition[] };
}

function conditionProblem(condition: unknown): string | null {
  if (!isObject(condition) || typeof condition.kind !== 'string') return 'each condition is an object with a string kind';
  const { kind } = condition;
  const needsString = (field: string) => (typeof condition[field] === 'string' ? null : `a ${kind} condition needs a string ${field}`);
  switch (kind) {
    case 'event_match':
      return needsString('key') ?? needsString('pattern');
    case 'event_property_is':
    case 'event_property_contains':
      return (
        needsString('key') ??
        (isNonCompoundValue(condition.value) ? null : `a ${kind} condition's value is a string, integer, boolean or null`)
      );
    case 'sender_notification_permission':
      return needsString('key');
    case 'room_member_count':
      return typeof condition.is === 'string' && /^(==|<|>|<=|>=)?[0-9]+$/.test(condition.is)
        ? null
        : 'room_member_count needs "is": a number, optionally after ==, <, >, <= or >=';
    default:
      return null;
  }
}

/** A value `event_property_is` can compare: non-compound canonical JSON. */
function isNonCompoundValue(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  return typeof value === 'number' && Number.isSafeInteger(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
