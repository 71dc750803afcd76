/**
 * The licence administrator's console at /builder/console: the pool by sector, assigning a
 * licence to a verified person, revoking one with a reason, and the audit trail. A client of
 * the node's licence API; who may do what is the API's (the executor's) decision, and its
 * refusals are shown here.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuditEntry, Licence, PoolSector } from '../../builder/index.ts';
import { refusalText, sectorName } from '../builder/index.ts';
import {
  alertBox,
  callApi,
  formatDateTime,
  formatNumber,
  formOf,
  html,
  inputField,
  type Language,
  languageOf,
  noticeBox,
  page,
  requireSession,
  type SafeHtml,
  type Session,
  sendPage,
} from '../shell/index.ts';
import { consoleText } from './messages.ts';

const LICENCES = '/_watan/v1/licences';
const PATH = '/builder/console';

function errorText(lang: Language, body: { errcode?: string; error?: string }): string {
  return refusalText(consoleText(lang).errors, lang, body);
}

async function sendConsole(request: FastifyRequest, reply: FastifyReply, session: Session, problem?: { error: string; status: number }) {
  const lang = languageOf(request);
  const t = consoleText(lang);
  const [pool, licences, audit] = await Promise.all([
    callApi<{ sectors?: PoolSector[] }>(request, 'GET', `${LICENCES}/pool`),
    callApi<{ licences?: Licence[] }>(request, 'GET', LICENCES),
    callApi<{ entries?: AuditEntry[] }>(request, 'GET', `${LICENCES}/audit`),
  ]);
  const sectors = pool.body.sectors ?? [];
  const administrator = licences.status === 200;
  const done = (request.query as Record<string, string | undefined>).done;
  const notice = done === 'assigned' ? t.assignedNotice : done === 'revoked' ? t.revokedNotice : undefined;
  const main = html`<h1>${t.title}</h1>
${noticeBox(notice)}
${alertBox(problem?.error ?? (administrator ? undefined : t.notAdministrator))}
${poolView(sectors, lang)}
${administrator ? assignForm(sectors, lang) : ''}
${administrator ? licencesView(licences.body.licences ?? [], lang) : ''}
${auditView(audit.body.entries ?? [], lang)}`;
  return sendPage(reply, page({ request, lang, title: t.title, main, session }), problem?.status ?? (administrator ? 200 : 403));
}

function poolView(sectors: PoolSector[], lang: Language): SafeHtml {
  const t = consoleText(lang);
  const number = (value: number) => formatNumber(lang, value);
  return html`<section aria-labelledby="pool-heading"><h2 id="pool-heading">${t.pool}</h2><div class="table-scroll" tabindex="0"><table>
<thead><tr><th scope="col">${t.sector}</th><th scope="col">${t.size}</th><th scope="col">${t.assigned}</th><th scope="col">${t.available}</th><th scope="col">${t.appsPerLicence}</th><th scope="col">${t.recordsPerApp}</th></tr></thead>
<tbody>${sectors.map(
    (s) =>
      html`<tr><th scope="row">${sectorName(lang, s.sector)}</th><td>${number(s.size)}</td><td>${number(s.assigned)}</td><td>${number(
        s.available,
      )}</td><td>${number(s.appsPerLicence)}</td><td>${number(s.recordsPerApp)}</td></tr>`,
  )}</tbody></table></div></section>`;
}

function assignForm(sectors: PoolSector[], lang: Language): SafeHtml {
  const t = consoleText(lang);
  return html`<section aria-labelledby="assign-heading"><h2 id="assign-heading">${t.assignHeading}</h2>
<form method="post" action="${PATH}/assign" class="stack">
${inputField({ name: 'user_id', label: t.userId, required: true, extra: html`dir="ltr" autocapitalize="none" spellcheck="false"` })}
<div class="field"><label for="sector">${t.sector}</label><select id="sector" name="sector">${sectors.map(
    (s) => html`<option value="${s.sector}">${sectorName(lang, s.sector)} (${formatNumber(lang, s.available)})</option>`,
  )}</select></div>
${inputField({ name: 'note', label: t.note })}
<div><button type="submit">${t.assign}</button></div>
</form></section>`;
}

function licencesView(licences: Licence[], lang: Language): SafeHtml {
  const t = consoleText(lang);
  return html`<section aria-labelledby="licences-heading"><h2 id="licences-heading">${t.licences}</h2>
${
  licences.length === 0
    ? html`<p>${t.noLicences}</p>`
    : html`<div class="table-scroll" tabindex="0"><table>
<thead><tr><th scope="col">${t.licence}</th><th scope="col">${t.holder}</th><th scope="col">${t.sector}</th><th scope="col">${t.since}</th><th scope="col">${t.state}</th></tr></thead>
<tbody>${licences.map(
        (licence) => html`<tr><th scope="row">${formatNumber(lang, licence.licence)}</th><td><bdi>${licence.userId}</bdi></td>
<td>${sectorName(lang, licence.sector)}</td><td>${formatDateTime(lang, licence.assignedAt)}</td>
<td>${
          licence.revoked
            ? t.revokedState(licence.revoked.reason)
            : html`${t.held}<form method="post" action="${PATH}/revoke">
<input type="hidden" name="licence" value="${String(licence.licence)}">
${inputField({ name: `reason_${licence.licence}`, label: t.reason, required: true })}
<button type="submit" class="secondary">${t.revoke} ${formatNumber(lang, licence.licence)}</button></form>`
        }</td></tr>`,
      )}</tbody></table></div>`
}</section>`;
}

function auditView(entries: AuditEntry[], lang: Language): SafeHtml {
  const t = consoleText(lang);
  return html`<section aria-labelledby="audit-heading"><h2 id="audit-heading">${t.audit}</h2><div class="table-scroll" tabindex="0"><table>
<thead><tr><th scope="col">#</th><th scope="col">${t.when}</th><th scope="col">${t.who}</th><th scope="col">${t.what}</th><th scope="col">${t.about}</th></tr></thead>
<tbody>${[...entries].reverse().map(
    (
      entry,
    ) => html`<tr><th scope="row">${formatNumber(lang, entry.seq)}</th><td>${formatDateTime(lang, entry.at)}</td><td><bdi>${entry.actor}</bdi></td>
<td>${t.actions[entry.action] ?? entry.action}${entry.licence !== null ? html` (${t.licence} ${formatNumber(lang, entry.licence)})` : ''}</td><td><bdi>${entry.subject ?? ''}</bdi></td></tr>`,
  )}</tbody></table></div></section>`;
}

export function registerConsolePages(scope: FastifyInstance): void {
  scope.get(PATH, async (request, reply) => {
    const session = await requireSession(request, reply);
    if (!session) return reply;
    return sendConsole(request, reply, session);
  });

  scope.post(`${PATH}/assign`, async (request, reply) => {
    const session = await requireSession(request, reply);
    if (!session) return reply;
    const { fields } = formOf(request.body);
    const note = (fields.note ?? '').trim();
    const body = { user_id: (fields.user_id ?? '').trim(), sector: fields.sector ?? '', ...(note ? { note } : {}) };
    const answer = await callApi(request, 'POST', LICENCES, body);
    if (answer.status === 200) return reply.redirect(`${PATH}?done=assigned`, 303);
    return sendConsole(request, reply, session, { error: errorText(languageOf(request), answer.body), status: answer.status });
  });

  scope.post(`${PATH}/revoke`, async (request, reply) => {
    const session = await requireSession(request, reply);
    if (!session) return reply;
    const { fields } = formOf(request.body);
    const licence = /^[1-9][0-9]{0,15}$/.test(fields.licence ?? '') ? (fields.licence as string) : '0';
    const reason = (fields[`reason_${licence}`] ?? '').trim();
    const answer = await callApi(request, 'POST', `${LICENCES}/${licence}/revoke`, { reason });
    if (answer.status === 200) return reply.redirect(`${PATH}?done=revoked`, 303);
    return sendConsole(request, reply, session, { error: errorText(languageOf(request), answer.body), status: answer.status });
  });
}
