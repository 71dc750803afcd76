/** The app spec: its schema, its validation, and its JSON Schema for planners. */
export * from './schema.ts';
export { stableJson } from './stable-json.ts';
export { CREATOR_ROLE, OWNER_ROLE, parseSpec, SpecInvalidError, type SpecProblem, specProblems, valueProblem } from './validate.ts';
