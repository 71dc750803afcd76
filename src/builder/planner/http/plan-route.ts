import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import { ApiError, type NodeContext } from '../../../node/index.ts';
import { AppError } from '../../../subnet/index.ts';
import { askBuilder, callerOf, useBuilderErrors } from '../../http/calls.ts';
import { type AppSpec, specProblems } from '../../spec/index.ts';
import { diffSpecs, needsConfirmation, type SpecChange } from '../../upgrade/index.ts';
import { MAX_DESCRIPTION_LENGTH, type Planner, PlanningError, type PlanningErrorCode } from '../planner.ts';

const PlanBody = Type.Object(
  {
    description: Type.String({ minLength: 1, maxLength: MAX_DESCRIPTION_LENGTH }),
    /** The app being refined: the description changes it, and the answer carries the upgrade diff. */
    from: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: false },
);

/** How often one person may ask for a plan: each may cost a model's minutes of GPU, or a core's milliseconds. */
export interface PlanLimits {
  plansPerMinute: number;
}

/** A signed-in caller is counted by user, whichever device they use; anyone else by address. */
function plannerKey(node: NodeContext) {
  return (request: FastifyRequest): string => {
    try {
      return `plan:${callerOf(request, node.subnet)}`;
    } catch {
      return `plan:${request.ip}`;
    }
  };
}

/** Each planning failure's status, chosen once: the caller's text (400, 422) or the planner behind it (502, 503). */
const STATUS: Record<PlanningErrorCode, number> = {
  BAD_DESCRIPTION: 400,
  NOT_UNDERSTOOD: 422,
  INVALID_PROPOSAL: 502,
  MODEL_UNAVAILABLE: 503,
};

/**
 * POST /_watan/v1/apps/plan `{ description, from? }` → `{ spec, not_understood, planner, diff? }`:
 * plain language to a validated spec, for signed-in people. With `from`, the description
 * refines that spec and `diff` is the upgrade check on the proposal — against the installed
 * version with its record counts when the caller builds that app (what deploying would do),
 * otherwise against `from` itself.
 */
export function registerPlanRoute(server: FastifyInstance, node: NodeContext, planner: Planner, limits: PlanLimits): void {
  server.register(async (scope) => {
    useBuilderErrors(scope);
    await scope.register(rateLimit, {
      global: false,
      errorResponseBuilder: (_request, context) =>
        new ApiError(429, 'M_LIMIT_EXCEEDED', `too many plans; try again in ${Math.ceil(context.ttl / 1000)} s`, {
          retry_after_ms: context.ttl,
        }),
    });
    const config = { rateLimit: { max: limits.plansPerMinute, timeWindow: 60_000, keyGenerator: plannerKey(node) } };
    scope.post('/_watan/v1/apps/plan', { schema: { body: PlanBody }, config }, async (request, reply) => {
      const caller = callerOf(request, node.subnet);
      const body = request.body as Static<typeof PlanBody>;
      let current: AppSpec | undefined;
      if (body.from !== undefined) {
        const problems = specProblems(body.from);
        if (problems.length > 0) {
          const where = problems.map((p) => `${p.path}: ${p.problem}`).join('; ');
          return reply.code(400).send({ errcode: 'INVALID_SPEC', error: `from is not a valid spec: ${where}`, problems });
        }
        current = body.from as AppSpec;
      }
      let plan: Awaited<ReturnType<Planner['plan']>>;
      try {
        plan = await planner.plan({ description: body.description, ...(current ? { current } : {}) });
      } catch (error) {
        if (!(error instanceof PlanningError)) throw error;
        if (error.code === 'INVALID_PROPOSAL') request.log.warn({ problems: error.problems }, 'a planner proposed an invalid spec');
        return reply.code(STATUS[error.code]).send({ errcode: error.code, error: error.message, not_understood: error.notUnderstood });
      }
      const answer = { spec: plan.spec, not_understood: plan.notUnderstood, planner: planner.name };
      if (!current) return answer;
      return { ...answer, diff: upgradeDiff(node, caller, current, plan.spec) };
    });
  });
}

function upgradeDiff(node: NodeContext, caller: string, from: AppSpec, next: AppSpec) {
  let installed: { app: string; installed: number; changes: SpecChange[] } | undefined;
  try {
    installed = askBuilder(node.subnet, 'app_diff', { spec: next }, caller) as typeof installed;
  } catch (error) {
    // Someone else's app of that slug: the caller sees the change from their own spec, not its data.
    if (!(error instanceof ApiError && error.status === 403) && !(error instanceof AppError)) throw error;
  }
  const diff = installed && installed.installed > 0 ? installed : { app: next.slug, installed: 0, changes: diffSpecs(from, next) };
  return { ...diff, needs_confirmation: needsConfirmation(diff.changes) };
}
