/**
 * Creating and editing a record: the form's fields as the spec types them, checked with the
 * spec's own rules so every problem is shown at once beside its field, then sent to the API,
 * whose refusal is mapped back to the field it names. Files go to the builder's files API
 * first; the record keeps their hash.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppRecord, EntitySpec, FieldSpec, ScalarValue } from '../../builder/index.ts';
import {
  alertBox,
  apiErrorText,
  callApi,
  type FormBody,
  formatNumber,
  html,
  labelIn,
  languageOf,
  page,
  type Session,
  sendPage,
} from '../shell/index.ts';
import { appPath, formFieldsOf, type LoadedApp, refusalPage } from './app-spec.ts';
import { fieldControl, type ReferenceOption } from './field-controls.ts';
import { inputProblemText, refusalOfField, specProblem } from './field-problems.ts';
import { inputValueOf, parseInput } from './field-values.ts';
import { appText } from './messages.ts';

interface FormState {
  /** The controls' text, by field name. */
  values: Record<string, string>;
  errors: Record<string, string>;
  error?: string | undefined;
  /** Editing: the record as read, for its revision and attached files. */
  record?: AppRecord | undefined;
}

/** Records a reference field may point at, as the person may read them (first page only). */
async function referenceOptions(request: FastifyRequest, app: LoadedApp, field: FieldSpec): Promise<ReferenceOption[] | undefined> {
  const target = app.spec.entities.find((entity) => entity.name === field.entity);
  if (!target) return undefined;
  const answer = await callApi<{ records?: AppRecord[] }>(request, 'GET', `/_watan/v1/apps/${app.slug}/records/${target.name}?limit=200`);
  if (answer.status !== 200) return undefined;
  const lang = languageOf(request);
  const named = target.fields.find((f) => f.type === 'text') ?? target.fields[0];
  return (answer.body.records ?? []).map((record) => {
    const number = lang === 'ur' ? formatNumber(lang, Number(record.id)) : record.id;
    const name = named ? record.fields[named.name] : undefined;
    return { id: record.id, label: name === undefined ? `#${number}` : `#${number} — ${String(name)}` };
  });
}

export async function recordFormPage(
  request: FastifyRequest,
  reply: FastifyReply,
  session: Session,
  app: LoadedApp,
  entity: EntitySpec,
  state: FormState,
  status = 200,
): Promise<FastifyReply> {
  const lang = languageOf(request);
  const t = appText(lang);
  const record = state.record;
  const fields = formFieldsOf(app.spec, entity, record !== undefined);
  const entityLabel = labelIn(entity.label, lang);
  const formView = (app.spec.views ?? []).find((view) => view.entity === entity.name && view.kind === 'form');
  const title = record
    ? `${t.edit}: ${entityLabel} ${t.recordNumber(lang === 'ur' ? formatNumber(lang, Number(record.id)) : record.id)}`
    : formView
      ? labelIn(formView.label, lang)
      : t.create(entityLabel);
  const options = new Map<string, ReferenceOption[] | undefined>();
  for (const field of fields) if (field.type === 'reference') options.set(field.name, await referenceOptions(request, app, field));
  const action = record ? appPath(app.slug, entity.name, record.id, 'edit') : appPath(app.slug, entity.name, 'new');
  const multipart = fields.some((field) => field.type === 'file');
  const firstError = Object.keys(state.errors)[0];
  const summary = state.error ?? (firstError ? t.fixBelow : undefined);
  const main = html`<p><a href="${appPath(app.slug)}">${labelIn(app.spec.name, lang)}</a></p>
<h1>${title}</h1>
${alertBox(summary)}
<form class="stack" method="post" action="${action}" novalidate${multipart ? html` enctype="multipart/form-data"` : ''}${summary ? html` aria-describedby="form-error"` : ''}>
${record ? html`<input type="hidden" name="revision" value="${record.revision}">` : ''}
${fields.map((field) =>
  fieldControl({
    lang,
    field,
    value: state.values[field.name] ?? '',
    error: state.errors[field.name],
    options: options.get(field.name),
    hasFile: field.type === 'file' && typeof record?.fields[field.name] === 'string',
  }),
)}
<div class="actions"><button type="submit">${record ? t.save : t.submit}</button>
<a href="${record ? appPath(app.slug, entity.name, record.id) : appPath(app.slug)}">${t.cancel}</a></div>
</form>`;
  return sendPage(reply, page({ request, lang, title, main, session }), status);
}

/** The form's controls filled from a stored record. */
export function valuesOfRecord(entity: EntitySpec, record: AppRecord | undefined): Record<string, string> {
  const values: Record<string, string> = {};
  for (const field of entity.fields) values[field.name] = inputValueOf(field, record?.fields[field.name]);
  return values;
}

/**
 * Handles a posted form: the fields to send, or the state to show again with every problem.
 * Creating sends what was filled; editing sends what changed (null clears a field).
 */
export async function submitRecordForm(
  request: FastifyRequest,
  reply: FastifyReply,
  session: Session,
  app: LoadedApp,
  entity: EntitySpec,
  form: FormBody,
  record: AppRecord | undefined,
): Promise<FastifyReply> {
  const lang = languageOf(request);
  const fields = formFieldsOf(app.spec, entity, record !== undefined);
  const values: Record<string, string> = {};
  const errors: Record<string, string> = {};
  const changes: Record<string, ScalarValue | null> = {};
  for (const field of fields) {
    if (field.type === 'file') continue;
    const typed = form.fields[field.name] ?? '';
    values[field.name] = typed;
    const parsed = parseInput(field, typed);
    if ('problem' in parsed) {
      errors[field.name] = inputProblemText(lang, parsed.problem);
      continue;
    }
    if (parsed.value === null) {
      if (field.required) errors[field.name] = appText(lang).problems.required;
      else if (record && record.fields[field.name] !== undefined) changes[field.name] = null;
      continue;
    }
    const problem = specProblem(lang, field, parsed.value);
    if (problem) errors[field.name] = problem;
    else if (!record || record.fields[field.name] !== parsed.value) changes[field.name] = parsed.value;
  }
  for (const field of fields.filter((f) => f.type === 'file')) {
    if (field.required && !form.files[field.name] && typeof record?.fields[field.name] !== 'string')
      errors[field.name] = appText(lang).problems.required;
  }
  const again = (state: Partial<FormState>, status: number) =>
    recordFormPage(request, reply, session, app, entity, { values, errors, record, ...state }, status);
  if (Object.keys(errors).length > 0) return again({}, 400);
  // Files are stored only once every other field is good, so a refused form leaves none behind.
  for (const field of fields.filter((f) => f.type === 'file')) {
    const file = form.files[field.name];
    if (!file) continue;
    const uploaded = await callApi<{ hash?: string }>(request, 'POST', `/_watan/v1/apps/${app.slug}/files`, file.bytes, {
      contentType: file.contentType,
    });
    if (uploaded.status !== 200 || !uploaded.body.hash) {
      errors[field.name] = apiErrorText(lang, uploaded.body);
      return again({}, uploaded.status >= 400 ? uploaded.status : 502);
    }
    changes[field.name] = uploaded.body.hash;
  }
  const revision = Number(form.fields.revision);
  const answer = record
    ? await callApi<AppRecord>(request, 'PATCH', `/_watan/v1/apps/${app.slug}/records/${entity.name}/${record.id}`, {
        fields: changes,
        ...(Number.isSafeInteger(revision) && revision > 0 ? { revision } : {}),
      })
    : await callApi<AppRecord>(request, 'POST', `/_watan/v1/apps/${app.slug}/records/${entity.name}`, { fields: changes });
  if (answer.status === 200 && typeof answer.body.id === 'string') {
    return reply.redirect(`${appPath(app.slug, entity.name, answer.body.id)}?done=${record ? 'updated' : 'created'}`, 303);
  }
  const onField = refusalOfField(lang, entity.name, fields, answer.body.error);
  if (onField) errors[onField.field] = onField.text;
  return again({ error: onField ? undefined : apiErrorText(lang, answer.body) }, answer.status >= 400 ? answer.status : 502);
}

/** The record as the person may read it, or the API's refusal already answered. */
export async function readRecord(
  request: FastifyRequest,
  reply: FastifyReply,
  app: LoadedApp,
  entity: EntitySpec,
  id: string,
): Promise<AppRecord | undefined> {
  const answer = await callApi<AppRecord>(request, 'GET', `/_watan/v1/apps/${app.slug}/records/${entity.name}/${encodeURIComponent(id)}`);
  if (answer.status === 200 && typeof answer.body.id === 'string') return answer.body;
  await refusalPage(request, reply, answer);
  return undefined;
}
