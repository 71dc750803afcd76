import Type from 'typebox';
import { type AppContext, AppError, type AppStore, method, query, type TableSpec } from '../../subnet/index.ts';
import { isServerDefaultRuleId, type PushRuleKind, type PushRuleset, parseActions, parseUserRule, ruleIdProblem } from '../push/rules.ts';
import { type DefaultRuleChange, defaultRule, effectiveRuleset, type UserRule } from '../push/ruleset.ts';
import { nextStream } from './room-events.ts';

/**
 * A user's push rules: what they changed about the server-default rules (enabled, actions)
 * and the rules they wrote, ordered within each kind by `position` (lowest first: most
 * important). Every change also rewrites the user's m.push_rules account data, which is how
 * their other clients learn of it through sync.
 */
export const pushRuleTables: TableSpec[] = [
  {
    name: 'push_rules',
    columns: { user_id: 'text', kind: 'text', rule_id: 'text', position: 'integer', body: 'text', enabled: 'integer' },
    primaryKey: ['user_id', 'kind', 'rule_id'],
    indexes: [['user_id', 'kind', 'position']],
  },
  {
    name: 'push_rule_defaults',
    columns: { user_id: 'text', kind: 'text', rule_id: 'text', enabled: 'integer?', actions: 'text?' },
    primaryKey: ['user_id', 'kind', 'rule_id'],
  },
];

/** Enough for any person's keywords and muted rooms, and a bound on the ruleset sync carries. */
const MAX_USER_RULES = 250;

const Kind = Type.Union([
  Type.Literal('override'),
  Type.Literal('content'),
  Type.Literal('room'),
  Type.Literal('sender'),
  Type.Literal('underride'),
]);
const RuleId = Type.String({ minLength: 1, maxLength: 255 });
const RuleKey = Type.Object({ kind: Kind, rule_id: RuleId }, { additionalProperties: false });

type UserRuleRow = { kind: string; rule_id: string; position: number; body: string; enabled: number };

export const pushRuleMethods = {
  /** Creates or replaces one of the caller's own rules; `before`/`after` place it among their rules of its kind. */
  put_push_rule: method(
    Type.Object(
      {
        kind: Kind,
        rule_id: RuleId,
        before: Type.Optional(RuleId),
        after: Type.Optional(RuleId),
        rule_json: Type.String({ maxLength: 8192 }),
      },
      { additionalProperties: false },
    ),
    (ctx, args) => {
      const idProblem = ruleIdProblem(args.kind, args.rule_id);
      if (idProblem) throw new AppError('M_INVALID_PARAM', idProblem);
      const rule = parseUserRule(args.kind, parsedJson(args.rule_json));
      if (typeof rule === 'string') throw new AppError('M_BAD_JSON', rule);
      const key = { user_id: ctx.caller, kind: args.kind, rule_id: args.rule_id };
      const existing = ctx.store.get<UserRuleRow>('push_rules', key);
      if (!existing && countUserRules(ctx.store, ctx.caller) >= MAX_USER_RULES)
        throw new AppError('M_FORBIDDEN', `you have ${MAX_USER_RULES} push rules, the most kept per user; delete one you no longer need`);
      const anchor = args.before ?? args.after;
      let position: number;
      if (anchor !== undefined) {
        position = placeRelative(ctx, args.kind, args.rule_id, anchor, args.before !== undefined);
      } else if (existing) {
        position = existing.position;
      } else {
        // A new rule without a place is the most important of its kind.
        const first = ctx.store.selectOne<{ position: number }>(
          'SELECT position FROM {push_rules} WHERE user_id = ? AND kind = ? ORDER BY position LIMIT 1',
          ctx.caller,
          args.kind,
        );
        position = (first?.position ?? 1) - 1;
      }
      ctx.store.put('push_rules', { ...key, position, body: JSON.stringify(rule), enabled: existing ? existing.enabled : 1 });
      publishRuleset(ctx);
      return {};
    },
  ),
  delete_push_rule: method(RuleKey, (ctx, args) => {
    if (isServerDefaultRuleId(args.rule_id)) {
      if (!defaultRule(ctx.caller, args.kind, args.rule_id)) throw notFound(args.kind, args.rule_id);
      throw new AppError('M_INVALID_PARAM', 'a server-default rule cannot be deleted; disable it instead (PUT .../enabled)');
    }
    if (!ctx.store.delete('push_rules', { user_id: ctx.caller, kind: args.kind, rule_id: args.rule_id }))
      throw notFound(args.kind, args.rule_id);
    publishRuleset(ctx);
    return {};
  }),
  set_push_rule_enabled: method(
    Type.Object({ kind: Kind, rule_id: RuleId, enabled: Type.Boolean() }, { additionalProperties: false }),
    (ctx, args) => {
      changeRule(ctx, args.kind, args.rule_id, { enabled: args.enabled ? 1 : 0 });
      return {};
    },
  ),
  set_push_rule_actions: method(
    Type.Object({ kind: Kind, rule_id: RuleId, actions_json: Type.String({ maxLength: 8192 }) }, { additionalProperties: false }),
    (ctx, args) => {
      const actions = parseActions(parsedJson(args.actions_json));
      if (typeof actions === 'string') throw new AppError('M_BAD_JSON', actions);
      changeRule(ctx, args.kind, args.rule_id, { actions });
      return {};
    },
  ),
};

export const pushRuleQueries = {
  push_rules: query(Type.Object({}, { additionalProperties: false }), (ctx) => pushRulesContent(ctx.store, ctx.caller)),
};

/** The content of a user's m.push_rules account data: their whole effective ruleset. */
export function pushRulesContent(store: AppStore, userId: string): { global: PushRuleset } {
  const userRules = store
    .select<UserRuleRow>(
      'SELECT kind, rule_id, position, body, enabled FROM {push_rules} WHERE user_id = ? ORDER BY kind, position, rule_id',
      userId,
    )
    .map(
      (row): UserRule => ({
        kind: row.kind as PushRuleKind,
        rule_id: row.rule_id,
        enabled: row.enabled === 1,
        ...(JSON.parse(row.body) as Omit<UserRule, 'kind' | 'rule_id' | 'enabled'>),
      }),
    );
  const changes = store
    .select<{ kind: string; rule_id: string; enabled: number | null; actions: string | null }>(
      'SELECT kind, rule_id, enabled, actions FROM {push_rule_defaults} WHERE user_id = ? ORDER BY kind, rule_id',
      userId,
    )
    .map(
      (row): DefaultRuleChange => ({
        kind: row.kind as PushRuleKind,
        rule_id: row.rule_id,
        ...(row.enabled === null ? {} : { enabled: row.enabled === 1 }),
        ...(row.actions === null ? {} : { actions: JSON.parse(row.actions) as DefaultRuleChange['actions'] }),
      }),
    );
  return { global: effectiveRuleset(userId, userRules, changes) };
}

/** Sets `enabled` or `actions` of a server-default rule (as a change kept beside it) or of a user rule. */
function changeRule(ctx: AppContext, kind: PushRuleKind, ruleId: string, change: { enabled?: number; actions?: unknown[] }): void {
  const key = { user_id: ctx.caller, kind, rule_id: ruleId };
  if (isServerDefaultRuleId(ruleId)) {
    if (!defaultRule(ctx.caller, kind, ruleId)) throw notFound(kind, ruleId);
    const current = ctx.store.get<{ enabled: number | null; actions: string | null }>('push_rule_defaults', key);
    ctx.store.put('push_rule_defaults', {
      ...key,
      enabled: change.enabled ?? current?.enabled ?? null,
      actions: change.actions ? JSON.stringify(change.actions) : (current?.actions ?? null),
    });
  } else {
    const current = ctx.store.get<UserRuleRow>('push_rules', key);
    if (!current) throw notFound(kind, ruleId);
    const body = JSON.parse(current.body) as Record<string, unknown>;
    ctx.store.put('push_rules', {
      ...key,
      position: current.position,
      body: JSON.stringify(change.actions ? { ...body, actions: change.actions } : body),
      enabled: change.enabled ?? current.enabled,
    });
  }
  publishRuleset(ctx);
}

/**
 * Moves (or inserts) `ruleId` next to the user rule `anchor`, renumbering the kind's rules
 * 0, 1, 2...; answers the rule's new position. Server-default rules have no movable place.
 */
function placeRelative(ctx: AppContext, kind: PushRuleKind, ruleId: string, anchor: string, before: boolean): number {
  if (anchor === ruleId) throw new AppError('M_INVALID_PARAM', 'a rule cannot be placed relative to itself');
  if (isServerDefaultRuleId(anchor)) throw new AppError('M_INVALID_PARAM', 'a rule cannot be placed relative to a server-default rule');
  const rows = ctx.store.select<{ rule_id: string; position: number }>(
    'SELECT rule_id, position FROM {push_rules} WHERE user_id = ? AND kind = ? ORDER BY position, rule_id',
    ctx.caller,
    kind,
  );
  const others = rows.filter((row) => row.rule_id !== ruleId);
  const at = others.findIndex((row) => row.rule_id === anchor);
  if (at < 0) throw new AppError('M_INVALID_PARAM', `before/after rule not found: ${anchor}`);
  const order = others.map((row) => row.rule_id);
  order.splice(before ? at : at + 1, 0, ruleId);
  const positions = new Map(others.map((row) => [row.rule_id, row.position]));
  for (const [index, id] of order.entries()) {
    if (id !== ruleId && positions.get(id) !== index)
      ctx.store.update('push_rules', { user_id: ctx.caller, kind, rule_id: id }, { position: index });
  }
  return order.indexOf(ruleId);
}

/** Rewrites the caller's m.push_rules account data at a new stream position, so sync sends it. */
function publishRuleset(ctx: AppContext): void {
  ctx.store.put('account_data', {
    user_id: ctx.caller,
    room_id: '',
    type: 'm.push_rules',
    content: JSON.stringify(pushRulesContent(ctx.store, ctx.caller)),
    stream: nextStream(ctx),
  });
}

function countUserRules(store: AppStore, userId: string): number {
  return store.selectOne<{ n: number }>('SELECT count(*) AS n FROM {push_rules} WHERE user_id = ?', userId)?.n ?? 0;
}

function notFound(kind: string, ruleId: string): AppError {
  return new AppError('M_NOT_FOUND', `you have no ${kind} push rule ${ruleId}`);
}

function parsedJson(json: string): Record<string, unknown> {
  try {
    return JSON.parse(json) as Record<string, unknown>;
  } catch {
    throw new AppError('M_BAD_JSON', 'the push rule is not JSON');
  }
}
