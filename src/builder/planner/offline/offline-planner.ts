import type { AppSpec } from '../../spec/index.ts';
import { checkDescription, type Plan, type Planner, PlanningError, type PlanRequest, validatedPlan } from '../planner.ts';
import { compose } from './compose.ts';
import { read } from './reading.ts';
import { refine } from './refine.ts';
import { understand } from './understanding.ts';

/**
 * The planner that always works: no model, no network, the same answer for the same text. It
 * reads the description with a lexicon of English, Roman Urdu and Urdu phrases over the
 * catalogue of app patterns and names every word it could not place instead of guessing.
 */
export class OfflinePlanner implements Planner {
  readonly name = 'offline';

  async plan(request: PlanRequest): Promise<Plan> {
    return this.planNow(request);
  }

  /** The same plan, synchronously (the planner does no IO). */
  planNow({ description, current }: PlanRequest): Plan {
    const text = checkDescription(description);
    if (current) {
      const { spec, notUnderstood } = refine(current, text);
      return validatedPlan(spec, notUnderstood, this.name);
    }
    const understanding = understand(read(text));
    if (!('pattern' in understanding)) {
      throw new PlanningError(
        'NOT_UNDERSTOOD',
        'no kind of app recognised; say what it keeps, such as appointments, registrations, complaints, requests for approval, attendance, inventory, a directory, a survey or events',
        { notUnderstood: understanding.notUnderstood },
      );
    }
    const spec: AppSpec = compose(understanding);
    return validatedPlan(spec, understanding.notUnderstood, this.name);
  }
}
