/**
 * A generated app as its pages need it: the live spec from the API, the entity and views a
 * page shows, and the roles the person holds (to offer only the steps their role allows; the
 * API still decides every request).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppSpec, EntitySpec, FieldSpec, ViewSpec } from '../../builder/index.ts';
import { VERIFIED_FIELD } from '../../messenger/index.ts';
import { type ApiAnswer, apiErrorText, callApi, languageOf, messagePage, type Session } from '../shell/index.ts';
import { appText } from './messages.ts';

export interface LoadedApp {
  slug: string;
  version: number;
  spec: AppSpec;
}

/** The app's live spec, or the API's refusal. */
export async function loadApp(request: FastifyRequest, slug: string): Promise<LoadedApp | ApiAnswer> {
  const answer = await callApi<{ version?: number; spec?: AppSpec }>(request, 'GET', `/_watan/v1/apps/${encodeURIComponent(slug)}`);
  if (answer.status !== 200 || !answer.body.spec) return answer;
  return { slug, version: answer.body.version ?? 0, spec: answer.body.spec };
}

export function isLoaded(value: LoadedApp | ApiAnswer): value is LoadedApp {
  return 'spec' in value;
}

/** Answers with the API's refusal as a page, with the API's status. */
export function refusalPage(request: FastifyRequest, reply: FastifyReply, answer: ApiAnswer<unknown>): Promise<FastifyReply> {
  const lang = languageOf(request);
  return messagePage(request, reply, answer.status >= 400 ? answer.status : 502, appText(lang).refused, apiErrorText(lang, answer.body));
}

/** An app's entity by name. */
export function entityOf(spec: AppSpec, name: string): EntitySpec | undefined {
  return spec.entities.find((entity) => entity.name === name);
}

/** The entity's list view: the one named, else its first. */
export function listViewOf(spec: AppSpec, entity: string, name?: string): ViewSpec | undefined {
  const lists = (spec.views ?? []).filter((view) => view.entity === entity && view.kind === 'list');
  return lists.find((view) => view.name === name) ?? lists[0];
}

/** The entity's form view, if the spec has one. */
export function formViewOf(spec: AppSpec, entity: string): ViewSpec | undefined {
  return (spec.views ?? []).find((view) => view.entity === entity && view.kind === 'form');
}

function fieldsNamed(entity: EntitySpec, names: readonly string[]): FieldSpec[] {
  return names.flatMap((name) => entity.fields.filter((field) => field.name === name));
}

/** A list's columns: the view's, else the entity's first four fields that fit a table. */
export function columnsOf(entity: EntitySpec, view: ViewSpec | undefined): FieldSpec[] {
  if (view?.columns) return fieldsNamed(entity, view.columns);
  return entity.fields.filter((field) => field.type !== 'long_text' && field.type !== 'file').slice(0, 4);
}

/**
 * Fields a person fills: a new record, the form view's (what the spec asks for at the start);
 * an edit, every field. Never the workflow's, which moves only by its steps.
 */
export function formFieldsOf(spec: AppSpec, entity: EntitySpec, editing: boolean): FieldSpec[] {
  const view = editing ? undefined : formViewOf(spec, entity.name);
  const fields = view?.fields ? fieldsNamed(entity, view.fields) : entity.fields;
  return fields.filter((field) => field.name !== entity.workflow?.field);
}

/** Fields lists can filter and sort on (the API's index holds all but long text and files). */
export function isIndexed(field: FieldSpec): boolean {
  return field.type !== 'long_text' && field.type !== 'file';
}

/**
 * The roles the person holds in the app as far as the web can tell: those the owner gave
 * them, those held by everyone, those held by verified people when their profile carries the
 * verified badge, and owner for its builders. Used only to choose which buttons to show.
 */
export async function likelyRolesOf(request: FastifyRequest, session: Session, app: LoadedApp): Promise<Set<string>> {
  const slug = encodeURIComponent(app.slug);
  const [mine, builders, profile] = await Promise.all([
    callApi<{ roles?: string[] }>(request, 'GET', `/_watan/v1/apps/${slug}/members/me`),
    callApi(request, 'GET', `/_watan/v1/apps/${slug}/builders`),
    app.spec.roles.some((role) => role.holders === 'verified')
      ? callApi(request, 'GET', `/_matrix/client/v3/profile/${encodeURIComponent(session.userId)}`)
      : undefined,
  ]);
  const roles = new Set(mine.status === 200 ? (mine.body.roles ?? []) : []);
  const verified = profile?.status === 200 && profile.body[VERIFIED_FIELD] === true;
  for (const role of app.spec.roles) if (role.holders === 'everyone' || (role.holders === 'verified' && verified)) roles.add(role.name);
  if (builders.status === 200) roles.add('owner');
  return roles;
}

/** Whether any of the roles has a permission for the action on the entity (the API checks the record). */
export function mayTry(spec: AppSpec, roles: Set<string>, entity: string, action: 'create' | 'read' | 'update' | 'delete'): boolean {
  return spec.permissions.some((p) => p.entity === entity && p.actions.includes(action) && roles.has(p.role));
}

/** The path of an app's page. */
export function appPath(slug: string, ...parts: string[]): string {
  return ['/apps', slug, ...parts].map((part, i) => (i < 1 ? part : encodeURIComponent(part))).join('/');
}
