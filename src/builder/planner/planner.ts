import { type AppSpec, type SpecProblem, specProblems } from '../spec/index.ts';

/** What a person asks for, and the app they already have when they are refining it. */
export interface PlanRequest {
  description: string;
  current?: AppSpec;
}

/** A proposal that the spec validator accepted, and the words and phrases the planner could not place. */
export interface Plan {
  spec: AppSpec;
  notUnderstood: string[];
}

/** Turns plain language into a validated app spec. Every implementation returns only specs the validator accepts. */
export interface Planner {
  readonly name: string;
  plan(request: PlanRequest): Promise<Plan>;
}

/** Why no plan came out, as a code a caller can branch on. */
export type PlanningErrorCode =
  /** The description gave nothing to build from (no kind of app recognised). */
  | 'NOT_UNDERSTOOD'
  /** The description is empty or too long. */
  | 'BAD_DESCRIPTION'
  /** The planner made a spec the validator refuses (a planner bug or a model that never got it right). */
  | 'INVALID_PROPOSAL'
  /** The model server could not be reached, answered with an error, or took too long. */
  | 'MODEL_UNAVAILABLE';

export class PlanningError extends Error {
  override name = 'PlanningError';
  readonly code: PlanningErrorCode;
  /** Words and phrases the planner could not place (NOT_UNDERSTOOD). */
  readonly notUnderstood: string[];
  /** The validator's findings on the last proposal (INVALID_PROPOSAL). */
  readonly problems: SpecProblem[];
  constructor(code: PlanningErrorCode, message: string, details: { notUnderstood?: string[]; problems?: SpecProblem[] } = {}) {
    super(message);
    this.code = code;
    this.notUnderstood = details.notUnderstood ?? [];
    this.problems = details.problems ?? [];
  }
}

/** The longest description a planner reads: a few paragraphs, not a document. */
export const MAX_DESCRIPTION_LENGTH = 2000;

/** Refuses an empty or oversized description before any planner reads it. */
export function checkDescription(description: string): string {
  const text = description.trim();
  if (text.length === 0) throw new PlanningError('BAD_DESCRIPTION', 'describe the app in a sentence or two; the description is empty');
  if (text.length > MAX_DESCRIPTION_LENGTH) {
    throw new PlanningError(
      'BAD_DESCRIPTION',
      `the description has ${text.length} characters; keep it to ${MAX_DESCRIPTION_LENGTH} (say what the app keeps, who uses it and what happens)`,
    );
  }
  return text;
}

/** The proposal as a plan, or INVALID_PROPOSAL naming each problem: an invalid spec never leaves a planner. */
export function validatedPlan(candidate: unknown, notUnderstood: string[], planner: string): Plan {
  const problems = specProblems(candidate);
  if (problems.length > 0) {
    throw new PlanningError(
      'INVALID_PROPOSAL',
      `the ${planner} planner proposed a spec the validator refuses: ${problems
        .slice(0, 5)
        .map((p) => `${p.path}: ${p.problem}`)
        .join('; ')}`,
      { problems, notUnderstood },
    );
  }
  return { spec: candidate as AppSpec, notUnderstood };
}
