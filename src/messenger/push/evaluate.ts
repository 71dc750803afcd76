import { globMatches, globMatchesWords, type JsonObject, parsePropertyPath, propertyAt } from '../events/index.ts';
import { PUSH_RULE_KINDS, type PushAction, type PushCondition, type PushRule, type PushRuleset } from './rules.ts';

/** What the rules need to know about the room and the reader, beyond the event itself. */
export interface PushContext {
  /** Whose rules these are. */
  userId: string;
  /** The reader's display name in the room, for contains_display_name (asked only when a rule needs it). */
  displayName(): string | undefined;
  /** Joined members of the room (asked only when a rule needs it). */
  memberCount(): number;
  /** Whether the sender's power reaches the level the room's `notifications[key]` asks for. */
  senderMayNotify(sender: string, key: string): boolean;
}

/** The event as push rules see it: the client format. */
export interface PushEvent {
  type: string;
  sender: string;
  room_id: string;
  content: JsonObject;
  state_key?: string;
  [key: string]: unknown;
}

export interface Notification {
  notify: boolean;
  highlight: boolean;
}

/**
 * The actions of the first enabled rule that matches, in the order of kinds the
 * specification gives (client-server §Push Rules); undefined when none does. One's own
 * events never notify.
 */
export function pushActions(ruleset: PushRuleset, event: PushEvent, context: PushContext): PushAction[] | undefined {
  if (event.sender === context.userId) return undefined;
  for (const kind of PUSH_RULE_KINDS) {
    for (const rule of ruleset[kind]) {
      if (rule.enabled && ruleMatches(kind, rule, event, context)) return rule.actions;
    }
  }
  return undefined;
}

/** Whether actions notify, and whether they highlight (a `highlight` tweak without a value means true). */
export function notificationOf(actions: readonly PushAction[] | undefined): Notification {
  if (!actions) return { notify: false, highlight: false };
  const highlight = actions.some((action) => typeof action === 'object' && action.set_tweak === 'highlight' && action.value !== false);
  return { notify: actions.includes('notify'), highlight };
}

function ruleMatches(kind: (typeof PUSH_RULE_KINDS)[number], rule: PushRule, event: PushEvent, context: PushContext): boolean {
  switch (kind) {
    case 'content':
      return (
        typeof rule.pattern === 'string' &&
        typeof event.content.body === 'string' &&
        globMatchesWords(rule.pattern, event.content.body, PUSH_GLOB)
      );
    case 'room':
      return event.room_id === rule.rule_id;
    case 'sender':
      return event.sender === rule.rule_id;
    default:
      for (const condition of rule.conditions ?? []) if (!conditionHolds(condition, event, context)) return false;
      return true;
  }
}

/** One condition (client-server §Conditions); one this server does not know never holds. */
function conditionHolds(condition: PushCondition, event: PushEvent, context: PushContext): boolean {
  switch (condition.kind) {
    case 'event_match': {
      if (typeof condition.key !== 'string' || typeof condition.pattern !== 'string') return false;
      const value = propertyAt(event, parsePropertyPath(condition.key));
      if (typeof value !== 'string') return false;
      return condition.key === 'content.body'
        ? globMatchesWords(condition.pattern, value, PUSH_GLOB)
        : globMatches(condition.pattern, value, PUSH_GLOB);
    }
    case 'event_property_is': {
      if (typeof condition.key !== 'string' || !isPlainValue(condition.value)) return false;
      const value = propertyAt(event, parsePropertyPath(condition.key));
      return isPlainValue(value) && value === condition.value;
    }
    case 'event_property_contains': {
      if (typeof condition.key !== 'string' || !isPlainValue(condition.value)) return false;
      const value = propertyAt(event, parsePropertyPath(condition.key));
      return Array.isArray(value) && value.some((item) => isPlainValue(item) && item === condition.value);
    }
    case 'contains_display_name': {
      if (typeof event.content.body !== 'string') return false;
      const name = context.displayName();
      return (
        name !== undefined &&
        name !== '' &&
        cachedRegExp(`name:${name}`, () => atWordBoundaries(escapeRegExp(name))).test(event.content.body)
      );
    }
    case 'room_member_count':
      return memberCountMatches(condition.is, context.memberCount());
    case 'sender_notification_permission':
      return typeof condition.key === 'string' && context.senderMayNotify(event.sender, condition.key);
    default:
      return false;
  }
}

/** Strings, booleans, null and integers within ±(2^53 − 1): the values these conditions compare. */
function isPlainValue(value: unknown): value is string | number | boolean | null {
  return value === null || typeof value === 'string' || typeof value === 'boolean' || Number.isSafeInteger(value);
}

function memberCountMatches(is: unknown, count: number): boolean {
  const comparison = typeof is === 'string' ? memberCountComparison(is) : undefined;
  if (!comparison) return false;
  const { operator, wanted } = comparison;
  switch (operator) {
    case '<':
      return count < wanted;
    case '>':
      return count > wanted;
    case '<=':
      return count <= wanted;
    case '>=':
      return count >= wanted;
    default:
      return count === wanted;
  }
}

/** An `is` of room_member_count, parsed: every member's count of every event asks the same few. */
function memberCountComparison(is: string): { operator: string | undefined; wanted: number } | undefined {
  if (comparisons.has(is)) return comparisons.get(is);
  const match = /^(==|<=|>=|<|>)?([0-9]+)$/.exec(is);
  const comparison = match ? { operator: match[1], wanted: Number(match[2]) } : undefined;
  if (comparisons.size >= MAX_COMPILED) comparisons.clear();
  comparisons.set(is, comparison);
  return comparison;
}

const comparisons = new Map<string, { operator: string | undefined; wanted: number } | undefined>();

// Display names recur across every event and reader; compiling each once keeps evaluation cheap.
// A name is matched literally (escaped), so its expression cannot backtrack.
const compiled = new Map<string, RegExp>();
const MAX_COMPILED = 10_000;

function cachedRegExp(key: string, source: () => string): RegExp {
  let regExp = compiled.get(key);
  if (!regExp) {
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    regExp = new RegExp(source(), 'isu');
    compiled.set(key, regExp);
  }
  return regExp;
}

/** Push rules' globs: `?` is one character, and case does not matter. */
const PUSH_GLOB = { questionMark: true, ignoreCase: true };

/** A word boundary is the start or end of the value, or a character outside [A-Za-z0-9_]. */
function atWordBoundaries(source: string): string {
  return `(?:^|[^A-Za-z0-9_])${source}(?:$|[^A-Za-z0-9_])`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
