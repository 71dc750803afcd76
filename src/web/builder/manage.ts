/**
 * Managing one app: its versions (restore any), co-builders, members and their roles, its
 * history, and export. Every change is a form that posts here, calls the API, and comes back
 * with a 303 and a notice; a refusal is shown on the page with the API's status.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppSpec, SpecChange } from '../../builder/index.ts';
import {
  type ApiAnswer,
  alertBox,
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
import { builderApi, succeeded, type Version } from './builder-api.ts';
import { builderErrorText } from './errors.ts';
import { changesView } from './explanation-view.ts';
import { type BuilderText, builderText } from './messages.ts';
import { checkbox, hidden, selectControl } from './spec-form/controls.ts';

type Params = { Params: { slug: string } };

/** Notices a change comes back with (`?done=`), by key: only these are shown. */
const NOTICES = ['builderAdded', 'builderRemoved', 'roleGiven', 'roleTaken', 'memberRemoved'] as const;

interface Problem {
  error: string;
  status: number;
  changes?: SpecChange[];
  /** The version whose restore needs confirming. */
  confirmVersion?: number;
}

async function sendManage(request: FastifyRequest, reply: FastifyReply, session: Session, slug: string, problem?: Problem) {
  const lang = languageOf(request);
  const t = builderText(lang);
  const installed = await builderApi.spec(request, slug);
  if (installed.status !== 200) {
    const main = html`<h1>${t.title}</h1>${alertBox(builderErrorText(lang, installed.body))}<p><a href="/builder">${t.title}</a></p>`;
    return sendPage(reply, page({ request, lang, title: t.title, main, session }), installed.status);
  }
  const { spec, version } = installed.body;
  const [versions, builders, members, changes] = await Promise.all([
    builderApi.versions(request, slug),
    builderApi.builders(request, slug),
    builderApi.members(request, slug),
    builderApi.changes(request, slug),
  ]);
  if (builders.status !== 200) {
    const main = html`<h1>${t.manageTitle(spec.name[lang])}</h1>${alertBox(builderErrorText(lang, builders.body))}`;
    return sendPage(reply, page({ request, lang, title: t.manageTitle(spec.name[lang]), main, session }), builders.status);
  }
  const query = request.query as Record<string, string | undefined>;
  const notice = noticeOf(query, t, lang);
  const main = html`<h1>${t.manageTitle(spec.name[lang])}</h1>
${noticeBox(notice)}
${alertBox(problem?.error)}
${problem?.changes ? changesView(problem.changes, lang) : ''}
<p class="actions"><a class="button" href="/apps/${slug}">${t.openApp}</a>
<a class="button secondary" href="/builder/apps/${slug}/edit">${t.editApp}</a>
<a class="button secondary" href="/builder/apps/${slug}/export" download>${t.exportApp}</a></p>
${versionsView(slug, version, versions.body.versions ?? [], lang, problem?.confirmVersion)}
${buildersView(slug, builders.body.builders ?? [], lang)}
${membersView(slug, spec, members.body.members ?? [], lang)}
<section aria-labelledby="history-heading"><h2 id="history-heading">${t.history}</h2>
<ol>${(changes.body.changes ?? []).map(
    (change) =>
      html`<li>${formatDateTime(lang, change.at)} — <bdi>${change.userId}</bdi>: <span lang="en" dir="ltr">${change.what}</span></li>`,
  )}</ol></section>`;
  return sendPage(reply, page({ request, lang, title: t.manageTitle(spec.name[lang]), main, session }), problem?.status ?? 200);
}

function noticeOf(query: Record<string, string | undefined>, t: BuilderText, lang: Language): string | undefined {
  const count = (value: string | undefined) => formatNumber(lang, Number.parseInt(value ?? '0', 10) || 0);
  if (query.deployed) return t.deployed(count(query.deployed));
  if (query.restored) return t.restored(count(query.restored));
  const done = NOTICES.find((key) => key === query.done);
  return done ? t[done] : undefined;
}

function versionsView(slug: string, live: number, versions: Version[], lang: Language, confirmVersion?: number): SafeHtml {
  const t = builderText(lang);
  return html`<section aria-labelledby="versions-heading"><h2 id="versions-heading">${t.versions}</h2>
<div class="table-scroll" tabindex="0"><table>
<thead><tr><th scope="col">${t.version}</th><th scope="col">${t.deployedBy}</th><th scope="col">${t.deployedAt}</th><th scope="col">${t.changes}</th><th scope="col">${t.actions}</th></tr></thead>
<tbody>${[...versions].reverse().map(
    (
      v,
    ) => html`<tr><th scope="row">${formatNumber(lang, v.version)}${v.version === live ? html` <span class="state">${t.live}</span>` : ''}</th>
<td><bdi>${v.deployed_by}</bdi></td><td>${formatDateTime(lang, v.deployed_at)}</td>
<td>${v.changes.length > 0 ? changesView(v.changes, lang) : ''}</td>
<td>${
      v.version === live
        ? ''
        : html`<form method="post" action="/builder/apps/${slug}/restore">${hidden('version', String(v.version))}
${confirmVersion === v.version ? checkbox('confirm', t.restoreBox, false, undefined) : ''}
<button type="submit" class="secondary">${t.restore} ${formatNumber(lang, v.version)}</button></form>`
    }</td></tr>`,
  )}</tbody></table></div></section>`;
}

function buildersView(slug: string, builders: { userId: string; owner: boolean }[], lang: Language): SafeHtml {
  const t = builderText(lang);
  return html`<section aria-labelledby="builders-heading"><h2 id="builders-heading">${t.coBuilders}</h2>
<ul>${builders.map(
    (builder) =>
      html`<li><bdi>${builder.userId}</bdi>${builder.owner ? html` <span class="state">${t.ownerTag}</span>` : ''}${
        builder.owner
          ? ''
          : html` <form class="inline" method="post" action="/builder/apps/${slug}/builders/remove">${hidden('user_id', builder.userId)}<button type="submit" class="link">${t.remove} <bdi>${builder.userId}</bdi></button></form>`
      }</li>`,
  )}</ul>
<form method="post" action="/builder/apps/${slug}/builders" class="stack">
${inputField({ name: 'builder_user_id', label: t.addBuilder, required: true, extra: html`dir="ltr" autocapitalize="none" spellcheck="false"` })}
<div><button type="submit">${t.addBuilderButton}</button></div>
</form></section>`;
}

function membersView(slug: string, spec: AppSpec, members: { userId: string; roles: string[] }[], lang: Language): SafeHtml {
  const t = builderText(lang);
  const roleLabel = (name: string) => spec.roles.find((role) => role.name === name)?.label[lang] ?? name;
  const assignable = spec.roles.map((role) => ({ value: role.name, label: role.label[lang] }));
  return html`<section aria-labelledby="members-heading"><h2 id="members-heading">${t.members}</h2>
${
  members.length === 0
    ? html`<p>${t.noMembers}</p>`
    : html`<div class="table-scroll" tabindex="0"><table>
<thead><tr><th scope="col">${t.member}</th><th scope="col">${t.memberRoles}</th><th scope="col">${t.actions}</th></tr></thead>
<tbody>${members.map(
        (member) => html`<tr><th scope="row"><bdi>${member.userId}</bdi></th>
<td><ul>${member.roles.map(
          (role) =>
            html`<li>${roleLabel(role)} <form class="inline" method="post" action="/builder/apps/${slug}/members/role/remove">${hidden('user_id', member.userId)}${hidden(
              'role',
              role,
            )}<button type="submit" class="link">${t.takeRole(roleLabel(role))}</button></form></li>`,
        )}</ul></td>
<td><form method="post" action="/builder/apps/${slug}/members/remove">${hidden('user_id', member.userId)}<button type="submit" class="secondary">${t.removeMember}</button></form></td></tr>`,
      )}</tbody></table></div>`
}
<h3>${t.giveRole}</h3>
<form method="post" action="/builder/apps/${slug}/members/role" class="stack">
${inputField({ name: 'member_user_id', label: t.userId, required: true, extra: html`dir="ltr" autocapitalize="none" spellcheck="false"` })}
${selectControl('role', t.role, assignable, assignable[0]?.value ?? '')}
<div><button type="submit">${t.giveRoleButton}</button></div>
</form></section>`;
}

export function registerManagePages(scope: FastifyInstance): void {
  scope.get<Params>('/builder/apps/:slug', async (request, reply) => {
    const session = await requireSession(request, reply);
    if (!session) return reply;
    return sendManage(request, reply, session, request.params.slug);
  });

  scope.get<Params>('/builder/apps/:slug/export', async (request, reply) => {
    const session = await requireSession(request, reply);
    if (!session) return reply;
    const installed = await builderApi.spec(request, request.params.slug);
    if (installed.status !== 200) return sendManage(request, reply, session, request.params.slug);
    const { app, version, spec } = installed.body;
    return reply
      .header('content-type', 'application/json; charset=utf-8')
      .header('content-disposition', `attachment; filename="${app}-v${version}.json"`)
      .header('cache-control', 'no-store')
      .send(`${JSON.stringify({ app, version, spec }, null, 2)}\n`);
  });

  /** A change: the API call, then back to the page with a notice, or the page with the refusal. */
  const change = (
    path: string,
    call: (request: FastifyRequest, slug: string, fields: Record<string, string>) => Promise<ApiAnswer<unknown>>,
    done: (typeof NOTICES)[number],
  ) =>
    scope.post<Params>(`/builder/apps/:slug/${path}`, async (request, reply) => {
      const session = await requireSession(request, reply);
      if (!session) return reply;
      const { slug } = request.params;
      const answer = await call(request, slug, formOf(request.body).fields);
      if (succeeded(answer)) return reply.redirect(`/builder/apps/${encodeURIComponent(slug)}?done=${done}`, 303);
      const error = builderErrorText(languageOf(request), answer.body as { errcode?: string; error?: string });
      return sendManage(request, reply, session, slug, { error, status: answer.status });
    });
  change(
    'builders',
    (request, slug, fields) => builderApi.setBuilder(request, slug, (fields.builder_user_id ?? '').trim(), true),
    'builderAdded',
  );
  change('builders/remove', (request, slug, fields) => builderApi.setBuilder(request, slug, fields.user_id ?? '', false), 'builderRemoved');
  change(
    'members/role',
    (request, slug, fields) => builderApi.setRole(request, slug, (fields.member_user_id ?? '').trim(), fields.role ?? '', true),
    'roleGiven',
  );
  change(
    'members/role/remove',
    (request, slug, fields) => builderApi.setRole(request, slug, fields.user_id ?? '', fields.role ?? '', false),
    'roleTaken',
  );
  change('members/remove', (request, slug, fields) => builderApi.removeMember(request, slug, fields.user_id ?? ''), 'memberRemoved');

  scope.post<Params>('/builder/apps/:slug/restore', async (request, reply) => {
    const session = await requireSession(request, reply);
    if (!session) return reply;
    const { slug } = request.params;
    const lang = languageOf(request);
    const { fields } = formOf(request.body);
    const version = Number.parseInt(fields.version ?? '', 10);
    const restored = await builderApi.restore(request, slug, Number.isSafeInteger(version) ? version : 0, fields.confirm !== undefined);
    if (restored.status === 200) return reply.redirect(`/builder/apps/${encodeURIComponent(slug)}?restored=${restored.body.version}`, 303);
    if (restored.body.errcode === 'CONFIRMATION_NEEDED') {
      const problem = {
        error: builderText(lang).restoreConfirm,
        status: 409,
        changes: restored.body.changes ?? [],
        confirmVersion: version,
      };
      return sendManage(request, reply, session, slug, problem);
    }
    return sendManage(request, reply, session, slug, { error: builderErrorText(lang, restored.body), status: restored.status });
  });
}
