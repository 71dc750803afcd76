/**
 * Scores an offline plan against what a person expects from a description: per element
 * (entities, fields, roles, workflow steps, notifications), the share of expected names the
 * spec has. A plan "as expected" has them all; the quality test also deploys it.
 */
import { readFileSync } from 'node:fs';
import { type AppSpec, OfflinePlanner, PlanningError } from '../../src/builder/index.ts';

export const ELEMENTS = ['entities', 'fields', 'roles', 'workflow', 'notify'] as const;
export type Element = (typeof ELEMENTS)[number];

export interface Description {
  language: 'en' | 'ur' | 'roman';
  description: string;
  ambiguous?: boolean;
  expect: Partial<Record<Element, string[]>>;
}

export interface Scored {
  entry: Description;
  spec?: AppSpec;
  notUnderstood: string[];
  /** Per element: [found, expected]. */
  scores: Record<Element, [number, number]>;
  asExpected: boolean;
}

export function descriptions(): Description[] {
  return JSON.parse(readFileSync(new URL('../fixtures/planner/descriptions.json', import.meta.url), 'utf8'));
}

function namesOf(spec: AppSpec, element: Element): Set<string> {
  switch (element) {
    case 'entities':
      return new Set(spec.entities.map((e) => e.name));
    case 'fields':
      return new Set(spec.entities.flatMap((e) => e.fields.map((f) => f.name)));
    case 'roles':
      return new Set(spec.roles.map((r) => r.name));
    case 'workflow':
      return new Set(spec.entities.flatMap((e) => e.workflow?.transitions.map((t) => t.name) ?? []));
    case 'notify':
      return new Set((spec.notifications ?? []).map((n) => n.on));
  }
}

export function score(entry: Description, planner = new OfflinePlanner()): Scored {
  let spec: AppSpec | undefined;
  let notUnderstood: string[];
  try {
    const plan = planner.planNow({ description: entry.description });
    spec = plan.spec;
    notUnderstood = plan.notUnderstood;
  } catch (error) {
    if (!(error instanceof PlanningError)) throw error;
    notUnderstood = error.notUnderstood.length > 0 ? error.notUnderstood : [error.message];
  }
  const scores = {} as Record<Element, [number, number]>;
  for (const element of ELEMENTS) {
    const expected = entry.expect[element] ?? [];
    const found = spec ? namesOf(spec, element) : new Set<string>();
    scores[element] = [expected.filter((name) => found.has(name)).length, expected.length];
  }
  const asExpected = spec !== undefined && ELEMENTS.every((e) => scores[e][0] === scores[e][1]);
  return { entry, ...(spec ? { spec } : {}), notUnderstood, scores, asExpected };
}

/** The score table: one row per description, then each element's share over all of them. */
export function scoreTable(rows: (Scored & { deployed: boolean })[]): string {
  const cell = ([found, expected]: [number, number]) => (expected === 0 ? '-' : `${found}/${expected}`);
  const lines = [
    `| # | lang | ${ELEMENTS.join(' | ')} | deployed | not understood | description |`,
    `|${'---|'.repeat(ELEMENTS.length + 5)}`,
  ];
  rows.forEach((row, i) => {
    const text = row.entry.description.length > 60 ? `${row.entry.description.slice(0, 57)}…` : row.entry.description;
    lines.push(
      `| ${i + 1} | ${row.entry.language} | ${ELEMENTS.map((e) => cell(row.scores[e])).join(' | ')} | ${row.deployed && row.asExpected ? 'yes' : row.deployed ? 'needs edit' : 'no'} | ${row.notUnderstood.length} | ${text} |`,
    );
  });
  const totals = ELEMENTS.map((e) => {
    const found = rows.reduce((n, r) => n + r.scores[e][0], 0);
    const expected = rows.reduce((n, r) => n + r.scores[e][1], 0);
    return `${Math.round((100 * found) / Math.max(expected, 1))}%`;
  });
  const deployable = rows.filter((r) => r.deployed && r.asExpected).length;
  lines.push(`| all | | ${totals.join(' | ')} | ${deployable}/${rows.length} | | |`);
  return lines.join('\n');
}
