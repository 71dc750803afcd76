import Type from 'typebox';
import { AppSpec } from '../../spec/index.ts';
import { CATALOGUE } from '../offline/catalogue.ts';

/** What the model must answer: the spec, and the words it could not place (it names them instead of guessing). */
export const PlanAnswer = Type.Object(
  {
    spec: AppSpec,
    not_understood: Type.Array(Type.String({ maxLength: 200 }), { maxItems: 50 }),
  },
  { additionalProperties: false },
);

/**
 * The response format: the answer's JSON Schema (TypeBox schemas are JSON Schema). `strict`
 * is false because the spec has optional properties, which OpenAI's strict mode refuses;
 * llama.cpp's server and vLLM constrain decoding to the schema either way, and every answer
 * is validated here regardless.
 */
export const RESPONSE_FORMAT = { name: 'watan_app_plan', schema: JSON.parse(JSON.stringify(PlanAnswer)) as unknown, strict: false };

/** The system prompt: what a spec is, its rules, and the catalogue of app patterns. */
export function systemPrompt(): string {
  return [
    'You turn a description of a public-service app (in English, Urdu or Roman Urdu) into a Watan app spec, version 1.',
    'Answer with one JSON object {"spec": …, "not_understood": […]} matching the given JSON Schema, and nothing else.',
    'Rules the validator checks:',
    '- names (entities, fields, roles, views, transitions, choice values) are lower-case letters, digits and _, starting with a letter; the slug uses - instead of _ and is ASCII even for Urdu text;',
    '- every label has "en" (English) and "ur" (Urdu in Arabic script);',
    '- field types: text, long_text, number, money (whole paisa), date, datetime, yes_no, choice (needs choices), email, phone, person (a verified user; never store CNIC or other ID numbers), reference (needs entity; capacity names a number field of that entity that limits how many records may refer to one), file;',
    '- roles "owner" and "creator" are built in; do not declare them; holders is assigned, everyone or verified;',
    '- permissions deny by default: grant each role the actions (create, read, update, delete) on each entity, scope own or all;',
    '- a workflow is a required choice field (usually "status"), its initial value, and transitions {name, label, from: [states], to, roles} (roles may include "creator");',
    '- notifications go on "create" or "transition:NAME" to [{role}|{creator: true}|{field}] with an en/ur message; {field} placeholders must be fields of that entity;',
    '- views: list (columns, filters, sort, search) and form (fields) name only fields of their entity.',
    'Put every word or phrase of the description you could not use in not_understood instead of guessing.',
    'The usual kinds of app:',
    ...CATALOGUE.map((pattern) => `- ${pattern.name}: ${pattern.summary}`),
  ].join('\n');
}

export function userPrompt(description: string, current: unknown): string {
  if (current === undefined) return `Description:\n${description}`;
  return `Current spec:\n${JSON.stringify(current)}\n\nChange it as follows, keeping everything else as it is:\n${description}`;
}
