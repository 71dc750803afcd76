/**
 * One record: every field in the person's language, its files to download, and the workflow
 * steps their role may take from its current state — each a button posting to the API,
 * which decides; a refusal is shown on the page.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppRecord, EntitySpec } from '../../builder/index.ts';
import {
  alertBox,
  formatDateTime,
  formatNumber,
  html,
  labelIn,
  languageOf,
  noticeBox,
  page,
  type Session,
  sendPage,
} from '../shell/index.ts';
import { appPath, type LoadedApp, likelyRolesOf, mayTry } from './app-spec.ts';
import { displayValue } from './field-values.ts';
import { appText } from './messages.ts';

/** Field types whose values people type, in English or Urdu. */
const TYPED = new Set(['text', 'long_text', 'email', 'phone', 'person']);

export interface DetailState {
  notice?: string | undefined;
  error?: string | undefined;
}

export async function detailPage(
  request: FastifyRequest,
  reply: FastifyReply,
  session: Session,
  app: LoadedApp,
  entity: EntitySpec,
  record: AppRecord,
  state: DetailState,
  status = 200,
): Promise<FastifyReply> {
  const lang = languageOf(request);
  const t = appText(lang);
  const roles = await likelyRolesOf(request, session, app);
  const yesNo = { yes: t.yes, no: t.no };
  const number = lang === 'ur' ? formatNumber(lang, Number(record.id)) : record.id;
  const title = `${labelIn(entity.label, lang)} ${t.recordNumber(number)}`;
  const path = appPath(app.slug, entity.name, record.id);
  const workflow = entity.workflow;
  const stateField = workflow ? entity.fields.find((field) => field.name === workflow.field) : undefined;
  const current = workflow ? String(record.fields[workflow.field] ?? '') : '';
  const steps = (workflow?.transitions ?? []).filter(
    (step) =>
      step.from.includes(current) &&
      step.roles.some((role) => roles.has(role) || (role === 'creator' && record.created_by === session.userId)),
  );
  const rows = entity.fields.map((field) => {
    const value = record.fields[field.name];
    const shown =
      field.type === 'file' && typeof value === 'string'
        ? html`<a href="${path}/files/${field.name}" download>${t.download}</a>`
        : field === stateField
          ? html`<span class="state">${displayValue(lang, field, value, yesNo)}</span>`
          : displayValue(lang, field, value, yesNo) || '—';
    // What people typed may be in either script: each value keeps its own direction.
    const typed = TYPED.has(field.type);
    return html`<dt>${labelIn(field.label, lang)}</dt><dd${typed ? html` dir="auto"` : ''}${field.type === 'long_text' ? html` class="long"` : ''}>${shown}</dd>\n`;
  });
  const list = (app.spec.views ?? []).some((view) => view.entity === entity.name && view.kind === 'list');
  const main = html`<p><a href="${appPath(app.slug)}">${labelIn(app.spec.name, lang)}</a>${
    list ? html` › <a href="${appPath(app.slug, entity.name)}">${labelIn(entity.label, lang)}</a>` : ''
  }</p>
<h1>${title}</h1>
${noticeBox(state.notice)}
${alertBox(state.error)}
<dl class="record">
${rows}
<dt>${t.createdBy}</dt><dd><bdi>${record.created_by}</bdi></dd>
<dt>${t.createdAt}</dt><dd>${formatDateTime(lang, record.created_at)}</dd>
<dt>${t.updatedAt}</dt><dd>${formatDateTime(lang, record.updated_at)}</dd>
</dl>
${
  steps.length > 0
    ? html`<h2>${t.steps}</h2><div class="actions">${steps.map(
        (step) =>
          html`<form method="post" action="${path}/steps/${step.name}"><button type="submit">${labelIn(step.label, lang)}</button></form>`,
      )}</div>`
    : ''
}
<div class="actions">
${mayTry(app.spec, roles, entity.name, 'update') ? html`<a class="button secondary" href="${path}/edit">${t.edit}</a>` : ''}
${mayTry(app.spec, roles, entity.name, 'delete') ? html`<form method="post" action="${path}/delete" data-confirm="${t.confirmDelete}"><button class="secondary" type="submit">${t.delete}</button></form>` : ''}
</div>`;
  return sendPage(reply, page({ request, lang, title, main, session }), status);
}
