import type { Action } from '../../spec/index.ts';
import {
  type FieldWord,
  type Meaning,
  type Offering,
  PATTERN_NAMES,
  type PatternName,
  type RoleWord,
  type Step,
  type Subject,
} from './lexicon/index.ts';
import type { Mention, Reading } from './reading.ts';
import { normalise } from './words.ts';

/** What a role was said to do: record actions and workflow steps. */
export interface Deeds {
  actions: Set<Action>;
  steps: Step[];
}

/** Someone is told when something happens: on create, or on a step. */
export interface Notice {
  on: 'create' | Step;
  /** The roles named in the same clause; none means the record's creator. */
  to: RoleWord[];
}

/** Everything the description says, placed: the app's kind, who it is for, fields, people and what they do. */
export interface Understanding {
  pattern: PatternName;
  /** The chosen pattern's words as written, normalised ("leave", "chutti"): patterns tell their variants apart by them. */
  cueWords: string[];
  subject?: Subject;
  offering?: Offering;
  fields: FieldWord[];
  roles: RoleWord[];
  deeds: Map<string, Deeds>;
  steps: Step[];
  notices: Notice[];
  capacity?: { limit?: number };
  /** Limits the text set on number fields ("rating from 1 to 10"). */
  bounds: Map<string, { min?: number; max?: number }>;
  notUnderstood: string[];
}

type Of<K extends Meaning['kind']> = Extract<Meaning, { kind: K }>;

function meaningsOf<K extends Meaning['kind']>(mentions: readonly Mention[], kind: K): (Of<K> & { mention: Mention })[] {
  const found: (Of<K> & { mention: Mention })[] = [];
  for (const mention of mentions) for (const m of mention.meanings) if (m.kind === kind) found.push({ ...(m as Of<K>), mention });
  return found;
}

const STEP_HINTS: Partial<Record<string, PatternName>> = {
  resolve: 'complaint',
  assign: 'complaint',
  approve: 'request',
  reject: 'request',
};

/** The kind of app the words point at most strongly, or none; a tie is named as not understood. */
function choosePattern(reading: Reading, notUnderstood: string[]): { pattern: PatternName; cueWords: string[] } | undefined {
  const scores = new Map<PatternName, number>();
  const cues = new Map<PatternName, string[]>();
  const hints = new Map<PatternName, string[]>();
  for (const cue of meaningsOf(reading.mentions, 'pattern')) {
    scores.set(cue.pattern, (scores.get(cue.pattern) ?? 0) + cue.weight);
    cues.set(cue.pattern, [...(cues.get(cue.pattern) ?? []), cue.mention.text]);
  }
  // Steps hint at a kind too: resolving is what complaints are for, approving what requests are for.
  for (const { step, mention } of meaningsOf(reading.mentions, 'step')) {
    const hinted = STEP_HINTS[step.name];
    if (!hinted) continue;
    scores.set(hinted, (scores.get(hinted) ?? 0) + 1);
    hints.set(hinted, [...(hints.get(hinted) ?? []), mention.text]);
  }
  // Something to register for (a course, a workshop) points at registrations.
  if (meaningsOf(reading.mentions, 'offering').length > 0) scores.set('registration', (scores.get('registration') ?? 0) + 1);
  if (meaningsOf(reading.mentions, 'capacity').length > 0 && (scores.get('registration') ?? 0) > 0)
    scores.set('registration', (scores.get('registration') ?? 0) + 1);
  const ranked = PATTERN_NAMES.filter((p) => scores.has(p)).sort((a, b) => (scores.get(b) ?? 0) - (scores.get(a) ?? 0));
  let [best, second] = ranked;
  if (best === undefined) return undefined;
  if (second !== undefined && scores.get(second) === scores.get(best)) {
    // "registration of complaints": registering is how many apps begin; a registration app is one for a course or an event.
    if (best === 'registration') [best, second] = [second, best];
    for (const text of new Set(cues.get(second) ?? []))
      notUnderstood.push(`"${text}" (it could also mean a ${second} app; read as ${best})`);
  }
  if ((scores.get(best) ?? 0) <= 1) {
    for (const text of new Set([...(cues.get(best) ?? []), ...(hints.get(best) ?? [])]))
      notUnderstood.push(`"${text}" (only a hint of a ${best} app; say what the app keeps)`);
  }
  return { pattern: best, cueWords: [...new Set((cues.get(best) ?? []).map(normalise))] };
}

export function understand(reading: Reading): Understanding | { notUnderstood: string[] } {
  const notUnderstood: string[] = [];
  const chosen = choosePattern(reading, notUnderstood);
  const unknown = reading.unknown.map((u) => u.text);
  if (!chosen) return { notUnderstood: [...unknown, ...notUnderstood] };
  const mentions = reading.mentions;
  const subject = meaningsOf(mentions, 'subject')[0]?.subject;
  const offering = meaningsOf(mentions, 'offering')[0]?.offering;
  const fields = unique(
    meaningsOf(mentions, 'field').map((m) => m.word),
    (w) => w.field.name,
  );
  const roles = unique(
    meaningsOf(mentions, 'role').map((m) => m.word),
    (w) => w.role.name,
  );
  const steps = unique(
    meaningsOf(mentions, 'step').map((m) => m.step),
    (s) => s.name,
  );
  const capacityMentions = meaningsOf(mentions, 'capacity');
  let capacity: Understanding['capacity'];
  const claimed = new Set<number>();
  if (capacityMentions.length > 0) {
    capacity = {};
    for (const { mention } of capacityMentions) {
      const near = reading.numbers.find((n) => n.clause === mention.clause && Math.abs(n.at - mention.at) <= 3 && !claimed.has(n.at));
      if (near && capacity.limit === undefined && near.value > 0) {
        capacity.limit = near.value;
        claimed.add(near.at);
      }
    }
  }
  // "rating from 1 to 10": numbers just after a number field bound it.
  const bounds = new Map<string, { min?: number; max?: number }>();
  for (const mention of mentions) {
    const word = mention.meanings.find((m): m is Of<'field'> => m.kind === 'field')?.word;
    if (word?.field.type !== 'number') continue;
    const near = reading.numbers.filter(
      (n) => n.clause === mention.clause && n.at > mention.at && n.at - mention.at <= 6 && !claimed.has(n.at),
    );
    const [low, high] = near.slice(0, 2);
    for (const n of [low, high]) if (n) claimed.add(n.at);
    if (low && high && low.value <= high.value) bounds.set(word.field.name, { min: low.value, max: high.value });
    else if (low) bounds.set(word.field.name, { max: low.value });
  }
  for (const n of reading.numbers) if (!claimed.has(n.at)) notUnderstood.push(`${n.text} (a number with nothing to count)`);
  const { deeds, notices } = whoDoesWhat(mentions);
  return {
    ...chosen,
    ...(subject ? { subject } : {}),
    ...(offering ? { offering } : {}),
    fields,
    roles,
    deeds,
    steps,
    notices,
    ...(capacity ? { capacity } : {}),
    bounds,
    notUnderstood: [...unknown, ...notUnderstood],
  };
}

/**
 * Reads who does what, clause by clause (and part by part at "and"): a verb belongs to the nearest role before it in its
 * clause ("citizens file …, staff assign and resolve it"), else the first after it ("resolved
 * by staff"), else the last role of an earlier clause. A clause that tells someone something
 * ("the citizen is told when it is resolved") is a notice, not a deed.
 */
function whoDoesWhat(mentions: readonly Mention[]): { deeds: Map<string, Deeds>; notices: Notice[] } {
  const deeds = new Map<string, Deeds>();
  const notices: Notice[] = [];
  const clauses = new Map<number, Mention[]>();
  for (const mention of mentions) clauses.set(mention.part, [...(clauses.get(mention.part) ?? []), mention]);
  let lastRole: RoleWord | undefined;
  for (const clause of [...clauses.keys()].sort((a, b) => a - b)) {
    const inClause = clauses.get(clause) ?? [];
    const roles = meaningsOf(inClause, 'role');
    if (meaningsOf(inClause, 'notify').length > 0) {
      const to = unique(
        roles.map((r) => r.word),
        (w) => w.role.name,
      );
      const stepsHere = meaningsOf(inClause, 'step');
      if (stepsHere.length > 0) for (const s of stepsHere) notices.push({ on: s.step, to });
      else notices.push({ on: 'create', to });
      if (roles.length > 0) lastRole = roles[roles.length - 1]?.word;
      continue;
    }
    for (const mention of inClause) {
      const acts = mention.meanings.filter((m) => m.kind === 'action' || m.kind === 'step');
      if (acts.length === 0) continue;
      const before = roles.filter((r) => r.mention.at < mention.at).pop();
      const after = roles.find((r) => r.mention.at > mention.at);
      const doer = before?.word ?? after?.word ?? lastRole;
      if (!doer) continue;
      const entry = deeds.get(doer.role.name) ?? { actions: new Set<Action>(), steps: [] };
      for (const act of acts) {
        if (act.kind === 'action') entry.actions.add(act.action);
        else if (act.kind === 'step' && !entry.steps.includes(act.step)) entry.steps.push(act.step);
      }
      deeds.set(doer.role.name, entry);
    }
    if (roles.length > 0) lastRole = roles[roles.length - 1]?.word;
  }
  return { deeds, notices };
}

function unique<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const k = key(item);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
