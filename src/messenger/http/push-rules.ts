import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import { ApiError, type NodeContext } from '../../node/index.ts';
import { PUSH_RULE_KINDS, type PushRule, type PushRuleKind, type PushRuleset } from '../push/rules.ts';
import { authenticate } from './authenticate.ts';
import { runCommand, runQuery } from './commands.ts';
import { clientRoute } from './matrix-routes.ts';

// The kind is checked after the body, so a malformed body is M_BAD_JSON whatever the path says.
const RuleParams = Type.Object({ kind: Type.String({ maxLength: 255 }), ruleId: Type.String({ minLength: 1, maxLength: 255 }) });
const Placement = Type.Object({
  before: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  after: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
});
const Actions = Type.Array(Type.Union([Type.String({ maxLength: 255 }), Type.Record(Type.String(), Type.Unknown())]), { maxItems: 32 });
const RuleBody = Type.Object({
  actions: Actions,
  conditions: Type.Optional(Type.Array(Type.Record(Type.String(), Type.Unknown()), { maxItems: 32 })),
  pattern: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
});
const EnabledBody = Type.Object({ enabled: Type.Boolean() });
const ActionsBody = Type.Object({ actions: Actions });

/** As much JSON as one rule, or one rule's actions, may take in the log. */
const MAX_RULE_JSON = 8192;

/**
 * The user's push rules (client-server §Push Rules): the server-default ruleset with the
 * user's changes and their own rules. Changes go through the log; each also reaches the
 * user's clients as m.push_rules account data.
 */
export function registerPushRules(server: FastifyInstance, node: NodeContext): void {
  const ruleset = (userId: string) => runQuery<{ global: PushRuleset }>(node.subnet, 'push_rules', {}, userId);
  const rule = (request: FastifyRequest): PushRule => {
    const { userId } = authenticate(request, node.subnet);
    const { kind, ruleId } = ruleOf(request);
    const found = ruleset(userId).global[kind].find((candidate) => candidate.rule_id === ruleId);
    if (!found) throw new ApiError(404, 'M_NOT_FOUND', `you have no ${kind} push rule ${ruleId}`);
    return found;
  };
  const change = async (request: FastifyRequest, method: string, args: Record<string, unknown>) => {
    const { userId } = authenticate(request, node.subnet);
    const { kind, ruleId } = ruleOf(request);
    await runCommand(node.subnet, method, { kind, rule_id: ruleId, ...args }, userId);
    return {};
  };

  clientRoute(server, 'GET', '/pushrules/', {}, async (request) => ruleset(authenticate(request, node.subnet).userId));
  clientRoute(server, 'GET', '/pushrules/global/', {}, async (request) => ruleset(authenticate(request, node.subnet).userId).global);

  const path = '/pushrules/global/:kind/:ruleId';
  clientRoute(server, 'GET', path, { params: RuleParams }, async (request) => rule(request));
  clientRoute(server, 'PUT', path, { params: RuleParams, querystring: Placement, body: RuleBody }, async (request) => {
    const { before, after } = request.query as Static<typeof Placement>;
    return change(request, 'put_push_rule', {
      ...(before === undefined ? {} : { before }),
      ...(after === undefined ? {} : { after }),
      rule_json: boundedJson(request.body),
    });
  });
  clientRoute(server, 'DELETE', path, { params: RuleParams }, async (request) => change(request, 'delete_push_rule', {}));

  clientRoute(server, 'GET', `${path}/enabled`, { params: RuleParams }, async (request) => ({ enabled: rule(request).enabled }));
  clientRoute(server, 'PUT', `${path}/enabled`, { params: RuleParams, body: EnabledBody }, async (request) =>
    change(request, 'set_push_rule_enabled', { enabled: (request.body as Static<typeof EnabledBody>).enabled }),
  );
  clientRoute(server, 'GET', `${path}/actions`, { params: RuleParams }, async (request) => ({ actions: rule(request).actions }));
  clientRoute(server, 'PUT', `${path}/actions`, { params: RuleParams, body: ActionsBody }, async (request) =>
    change(request, 'set_push_rule_actions', { actions_json: boundedJson((request.body as Static<typeof ActionsBody>).actions) }),
  );
}

function ruleOf(request: FastifyRequest): { kind: PushRuleKind; ruleId: string } {
  const { kind, ruleId } = request.params as Static<typeof RuleParams>;
  if (!(PUSH_RULE_KINDS as readonly string[]).includes(kind))
    throw new ApiError(400, 'M_INVALID_PARAM', `there is no rule kind "${kind}"; the kinds are ${PUSH_RULE_KINDS.join(', ')}`);
  return { kind: kind as PushRuleKind, ruleId };
}

/**
 * A rule travels through the log as a JSON string, like account data: an action's tweak value
 * may be something canonical JSON cannot carry (a fraction).
 */
function boundedJson(value: unknown): string {
  const json = JSON.stringify(value);
  if (json.length > MAX_RULE_JSON) throw new ApiError(413, 'M_TOO_LARGE', `a push rule may be at most ${MAX_RULE_JSON} characters of JSON`);
  return json;
}
