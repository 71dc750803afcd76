/**
 * The offline planner's lexicon: every phrase it knows, in English, Roman Urdu and Urdu, with
 * what it means. One phrase may mean several things ("register": a registration app, and the
 * verb create); a phrase is matched longest first, so "attendance register" is not "register".
 */
import type { Action } from '../../../spec/index.ts';
import { normalise } from '../words.ts';
import { ACTION_VERBS, CAPACITY_PHRASES, NOTIFY_PHRASES, PATTERN_CUES, type PatternName, QUIET_WORDS, STEPS, type Step } from './cues.ts';
import { FIELD_WORDS, type FieldWord } from './fields.ts';
import { ROLE_WORDS, type RoleWord } from './roles.ts';
import { OFFERINGS, type Offering, SUBJECTS, type Subject } from './subjects.ts';

export type Meaning =
  | { kind: 'pattern'; pattern: PatternName; weight: number }
  | { kind: 'subject'; subject: Subject }
  | { kind: 'offering'; offering: Offering }
  | { kind: 'field'; word: FieldWord }
  | { kind: 'role'; word: RoleWord }
  | { kind: 'step'; step: Step }
  | { kind: 'action'; action: Action }
  | { kind: 'notify' }
  | { kind: 'capacity' }
  | { kind: 'quiet' };

export interface Phrase {
  keys: string[];
  meanings: Meaning[];
}

/** Phrases by their first word, longest first. */
const index = new Map<string, Phrase[]>();

function add(text: string, meaning: Meaning): void {
  const keys = normalise(text).split(/\s+/).filter(Boolean);
  const first = keys[0];
  if (first === undefined) return;
  const phrases = index.get(first) ?? [];
  const same = phrases.find((p) => p.keys.join(' ') === keys.join(' '));
  if (same) {
    if (!same.meanings.some((m) => m.kind === meaning.kind && JSON.stringify(m) === JSON.stringify(meaning))) same.meanings.push(meaning);
  } else phrases.push({ keys, meanings: [meaning] });
  phrases.sort((a, b) => b.keys.length - a.keys.length);
  index.set(first, phrases);
}

for (const [pattern, weight, phrases] of PATTERN_CUES) for (const text of phrases) add(text, { kind: 'pattern', pattern, weight });
for (const subject of SUBJECTS) for (const text of subject.phrases) add(text, { kind: 'subject', subject });
for (const offering of OFFERINGS) for (const text of offering.phrases) add(text, { kind: 'offering', offering });
for (const word of FIELD_WORDS) for (const text of word.phrases) add(text, { kind: 'field', word });
for (const word of ROLE_WORDS) for (const text of word.phrases) add(text, { kind: 'role', word });
for (const step of STEPS) for (const text of step.phrases) add(text, { kind: 'step', step });
for (const [action, phrases] of ACTION_VERBS) for (const text of phrases) add(text, { kind: 'action', action });
for (const text of NOTIFY_PHRASES) add(text, { kind: 'notify' });
for (const text of CAPACITY_PHRASES) add(text, { kind: 'capacity' });
/** Glue words, read as such only where no phrase of the lexicon starts there. */
const quiet: Phrase[] = QUIET_WORDS.map((text) => ({ keys: [normalise(text)], meanings: [{ kind: 'quiet' }] }));
const quietByKey = new Map(quiet.map((phrase) => [phrase.keys[0] as string, phrase]));

/**
 * The forms a written English word may take in the lexicon: itself, and without a plural or
 * past-tense ending ("complaints", "resolved", "assigns", "replies"). Urdu words are kept as written.
 */
export function formsOf(key: string): string[] {
  if (!/^[a-z]+$/.test(key) || key.length < 4) return [key];
  const forms = [key];
  if (key.endsWith('ies')) forms.push(`${key.slice(0, -3)}y`);
  if (key.endsWith('es')) forms.push(key.slice(0, -2));
  if (key.endsWith('s') && !key.endsWith('ss')) forms.push(key.slice(0, -1));
  if (key.endsWith('ed')) forms.push(key.slice(0, -2), key.slice(0, -1));
  if (key.endsWith('ing')) forms.push(key.slice(0, -3), `${key.slice(0, -3)}e`);
  return forms;
}

/** The longest phrase starting at `keys[at]`, or none. */
export function phraseAt(keys: readonly string[], at: number): Phrase | undefined {
  const first = keys[at];
  if (first === undefined) return undefined;
  let best: Phrase | undefined;
  for (const form of formsOf(first)) {
    for (const phrase of index.get(form) ?? []) {
      if (best && best.keys.length >= phrase.keys.length) break;
      const fits = phrase.keys.every((key, i) => i === 0 || formsOf(keys[at + i] ?? '').includes(key));
      if (fits) {
        best = phrase;
        break;
      }
    }
  }
  return (
    best ??
    formsOf(first)
      .map((form) => quietByKey.get(form))
      .find((phrase) => phrase !== undefined)
  );
}

export { ADD_WORDS, NEGATION_WORDS, PATTERN_NAMES, type PatternName, REMOVE_WORDS, REQUIRE_WORDS, STEPS, type Step } from './cues.ts';
export { FIELD_WORDS, type FieldWord, lexiconField } from './fields.ts';
export { ROLE_WORDS, type RoleWord } from './roles.ts';
export { OFFERINGS, type Offering, SUBJECTS, type Subject } from './subjects.ts';
