/**
 * Planners: plain language (English, Urdu, Roman Urdu) to a validated app spec. The offline
 * planner always works; the OpenAI-compatible one uses an in-country model server. Every
 * proposal passes the spec validator before anyone sees it.
 */
export { registerPlanRoute } from './http/plan-route.ts';
export { OfflinePlanner } from './offline/offline-planner.ts';
export { OpenAiPlanner, type OpenAiPlannerOptions } from './openai/openai-planner.ts';
export {
  checkDescription,
  MAX_DESCRIPTION_LENGTH,
  type Plan,
  type Planner,
  PlanningError,
  type PlanningErrorCode,
  type PlanRequest,
} from './planner.ts';
export { configuredPlanner, type PlannerSettings, PlannerSettingsError, plannerFrom, plannerSettingsFromEnvironment } from './settings.ts';
