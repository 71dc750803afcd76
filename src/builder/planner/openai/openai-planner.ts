import type { SpecProblem } from '../../spec/index.ts';
import { specProblems } from '../../spec/index.ts';
import { checkDescription, type Plan, type Planner, PlanningError, type PlanRequest, validatedPlan } from '../planner.ts';
import { type ChatMessage, type ChatServer, complete } from './chat-completions.ts';
import { RESPONSE_FORMAT, systemPrompt, userPrompt } from './prompt.ts';

export interface OpenAiPlannerOptions {
  baseUrl: string;
  model: string;
  apiKey?: string;
  /** Per request to the server (default 60 s). */
  timeoutMs?: number;
  /** Answers asked for before giving up (default 3): the first and the repairs. */
  attempts?: number;
}

/**
 * A planner backed by an OpenAI-compatible chat-completions server (an in-country vLLM, or
 * llama.cpp's server with a local GGUF model), constrained to the spec's JSON Schema. An
 * answer that is not JSON or does not validate is sent back with its problems, a bounded
 * number of times; a model that never gets it right is a clear error, never an invalid spec.
 */
export class OpenAiPlanner implements Planner {
  readonly name = 'openai';
  readonly #server: ChatServer;
  readonly #attempts: number;

  constructor(options: OpenAiPlannerOptions) {
    this.#server = {
      baseUrl: options.baseUrl,
      model: options.model,
      ...(options.apiKey ? { apiKey: options.apiKey } : {}),
      timeoutMs: options.timeoutMs ?? 60_000,
    };
    this.#attempts = options.attempts ?? 3;
  }

  async plan({ description, current }: PlanRequest): Promise<Plan> {
    const text = checkDescription(description);
    const messages: ChatMessage[] = [
      { role: 'system', content: systemPrompt() },
      { role: 'user', content: userPrompt(text, current) },
    ];
    let problems: SpecProblem[] = [];
    for (let attempt = 1; attempt <= this.#attempts; attempt++) {
      const answer = await complete(this.#server, messages, RESPONSE_FORMAT);
      const reading = readAnswer(answer.content, answer.truncated);
      if (reading.plan) {
        problems = specProblems(reading.plan.spec);
        if (problems.length === 0) return validatedPlan(reading.plan.spec, reading.plan.notUnderstood, this.name);
      } else problems = [{ path: '/', problem: reading.problem }];
      messages.push(
        { role: 'assistant', content: answer.content ?? '' },
        {
          role: 'user',
          content: `That answer cannot be used:\n${problems
            .slice(0, 20)
            .map((p) => `- ${p.path}: ${p.problem}`)
            .join('\n')}\nAnswer again with the whole corrected JSON object.`,
        },
      );
    }
    throw new PlanningError(
      'INVALID_PROPOSAL',
      `the model gave no valid spec in ${this.#attempts} attempts; the last answer's problems: ${problems
        .slice(0, 5)
        .map((p) => `${p.path}: ${p.problem}`)
        .join('; ')}`,
      { problems },
    );
  }
}

/** The answer's spec and not-understood words, or why it is unusable (not JSON, cut short, the wrong shape). */
function readAnswer(
  content: string | undefined,
  truncated: boolean,
): { plan: { spec: unknown; notUnderstood: string[] }; problem?: never } | { plan?: never; problem: string } {
  if (content === undefined || content.trim() === '') return { problem: 'the answer is empty; answer with the JSON object' };
  let value: unknown;
  try {
    // Some servers wrap JSON in a Markdown fence even with a response format.
    value = JSON.parse(content.replace(/^\s*```(?:json)?\s*|\s*```\s*$/g, ''));
  } catch (error) {
    return {
      problem: truncated
        ? 'the answer was cut off before the JSON ended; answer more briefly (short labels, fewer views)'
        : `the answer is not JSON (${(error as Error).message})`,
    };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return { problem: 'the answer must be a JSON object {"spec": …, "not_understood": […]}' };
  const record = value as Record<string, unknown>;
  // A bare spec is accepted as it is.
  if ('specVersion' in record) return { plan: { spec: record, notUnderstood: [] } };
  if (!('spec' in record)) return { problem: 'the object has no "spec"' };
  // The model's list is bounded as the schema says, whatever it sent.
  const words = Array.isArray(record.not_understood)
    ? record.not_understood
        .filter((w): w is string => typeof w === 'string')
        .slice(0, 50)
        .map((w) => w.slice(0, 200))
    : [];
  return { plan: { spec: record.spec, notUnderstood: words } };
}
