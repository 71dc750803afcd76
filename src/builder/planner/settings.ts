import { readFileSync, statSync } from 'node:fs';
import { OfflinePlanner } from './offline/offline-planner.ts';
import { OpenAiPlanner } from './openai/openai-planner.ts';
import type { Planner } from './planner.ts';

/**
 * Which planner a node or the CLI uses. The OpenAI-compatible one needs the server's base URL
 * and a model; its key comes from a 0600 file (or the environment), never from a flag that `ps` shows.
 */
export interface PlannerSettings {
  planner: 'offline' | 'openai';
  baseUrl?: string;
  model?: string;
  keyFile?: string;
  /** The key itself, from the environment. */
  apiKey?: string;
  timeoutMs?: number;
  /** Plans one person may ask a node for per minute (`WATAN_PLANNER_RATE`). */
  plansPerMinute?: number;
}

export const DEFAULT_PLANS_PER_MINUTE = 20;

export class PlannerSettingsError extends Error {
  override name = 'PlannerSettingsError';
}

/** Settings from WATAN_PLANNER, WATAN_PLANNER_URL, WATAN_PLANNER_MODEL, WATAN_PLANNER_KEY_FILE, WATAN_PLANNER_KEY, WATAN_PLANNER_TIMEOUT (seconds), WATAN_PLANNER_RATE (per person per minute). */
export function plannerSettingsFromEnvironment(env: Record<string, string | undefined>): PlannerSettings {
  const planner = env.WATAN_PLANNER ?? 'offline';
  if (planner !== 'offline' && planner !== 'openai') throw new PlannerSettingsError(`WATAN_PLANNER is offline or openai, not "${planner}"`);
  const timeout = env.WATAN_PLANNER_TIMEOUT === undefined ? undefined : Number(env.WATAN_PLANNER_TIMEOUT);
  if (timeout !== undefined && !(Number.isFinite(timeout) && timeout > 0))
    throw new PlannerSettingsError(`WATAN_PLANNER_TIMEOUT is a number of seconds, not "${env.WATAN_PLANNER_TIMEOUT}"`);
  const rate = env.WATAN_PLANNER_RATE === undefined ? undefined : Number(env.WATAN_PLANNER_RATE);
  if (rate !== undefined && !(Number.isInteger(rate) && rate > 0))
    throw new PlannerSettingsError(`WATAN_PLANNER_RATE is a whole number of plans per minute, not "${env.WATAN_PLANNER_RATE}"`);
  return {
    planner,
    ...(rate !== undefined ? { plansPerMinute: rate } : {}),
    ...(env.WATAN_PLANNER_URL ? { baseUrl: env.WATAN_PLANNER_URL } : {}),
    ...(env.WATAN_PLANNER_MODEL ? { model: env.WATAN_PLANNER_MODEL } : {}),
    ...(env.WATAN_PLANNER_KEY_FILE ? { keyFile: env.WATAN_PLANNER_KEY_FILE } : {}),
    ...(env.WATAN_PLANNER_KEY ? { apiKey: env.WATAN_PLANNER_KEY } : {}),
    ...(timeout !== undefined ? { timeoutMs: timeout * 1000 } : {}),
  };
}

export function plannerFrom(settings: PlannerSettings): Planner {
  if (settings.planner === 'offline') return new OfflinePlanner();
  if (!settings.baseUrl)
    throw new PlannerSettingsError(
      'the openai planner needs the base URL of an OpenAI-compatible server (--planner-url or WATAN_PLANNER_URL)',
    );
  if (!settings.model) throw new PlannerSettingsError('the openai planner needs a model name (--planner-model or WATAN_PLANNER_MODEL)');
  let url: URL;
  try {
    url = new URL(settings.baseUrl);
  } catch {
    throw new PlannerSettingsError(`the planner URL "${settings.baseUrl}" is not a URL`);
  }
  return new OpenAiPlanner({
    baseUrl: url.href,
    model: settings.model,
    ...(settings.keyFile ? { apiKey: readKeyFile(settings.keyFile) } : settings.apiKey ? { apiKey: settings.apiKey } : {}),
    ...(settings.timeoutMs ? { timeoutMs: settings.timeoutMs } : {}),
  });
}

/** The key from a file only its owner can read: a key others can read is refused, not used. */
function readKeyFile(file: string): string {
  let mode: number;
  let key: string;
  try {
    mode = statSync(file).mode;
    key = readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new PlannerSettingsError(
      `cannot read the planner key file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  if ((mode & 0o077) !== 0) throw new PlannerSettingsError(`the planner key file ${file} is readable by others; chmod 600 it`);
  if (key.length === 0) throw new PlannerSettingsError(`the planner key file ${file} is empty`);
  return key;
}

/** The planner a node runs and how often one person may use it: from its environment (WATAN_PLANNER…), offline unless told otherwise. */
export function configuredPlanner(): { planner: Planner; plansPerMinute: number } {
  const settings = plannerSettingsFromEnvironment(process.env);
  return { planner: plannerFrom(settings), plansPerMinute: settings.plansPerMinute ?? DEFAULT_PLANS_PER_MINUTE };
}
