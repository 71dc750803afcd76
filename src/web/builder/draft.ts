/**
 * The draft: an app not yet deployed (or a change not yet deployed), carried from page to page
 * as the spec's JSON in a hidden field, so no draft is kept on the node. It is shown in plain
 * words and as a form, with what the planner did not understand and what deploying would
 * change; it is refined by a sentence or by the form, then deployed.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Compile } from 'typebox/compile';
import { AppSpec, type SpecChange, type SpecProblem } from '../../builder/index.ts';
import {
  alertBox,
  type FormBody,
  formOf,
  html,
  type Language,
  languageOf,
  noticeBox,
  page,
  requireSession,
  type SafeHtml,
  type Session,
  sendPage,
} from '../shell/index.ts';
import { builderApi } from './builder-api.ts';
import { builderErrorText } from './errors.ts';
import { changesView, explanationView } from './explanation-view.ts';
import type { HomeProblem } from './home.ts';
import { builderText } from './messages.ts';
import { checkbox, hidden, textareaControl } from './spec-form/controls.ts';
import { specFromForm } from './spec-form/read.ts';
import { specForm } from './spec-form/render.ts';

const wellFormed = Compile(AppSpec);

export interface Draft {
  /** The candidate spec: what the planner proposed, the form made or a file held. */
  spec: unknown;
  notUnderstood?: string[];
  /** Meant as a new app (a first description, an import): an installed app at its address is pointed out. */
  meantAsNew?: boolean;
  error?: string;
  /** The changes the API asked to confirm, when a deploy was refused for them. */
  confirmChanges?: SpecChange[];
  status?: number;
}

/** The draft page. The API compares the draft with the installed app (and validates it) before it is shown. */
export async function sendDraft(request: FastifyRequest, reply: FastifyReply, session: Session, draft: Draft): Promise<FastifyReply> {
  const lang = languageOf(request);
  const t = builderText(lang);
  const diff = await builderApi.diff(request, draft.spec);
  const problems: SpecProblem[] = diff.body.problems ?? [];
  // The API lets only an app's builders compare against it: a refusal here means the address is someone else's app.
  const refused =
    diff.status === 403
      ? t.errors.APP_EXISTS
      : diff.status !== 200 && problems.length === 0
        ? builderErrorText(lang, diff.body)
        : undefined;
  const spec = wellFormed.Check(draft.spec) ? (draft.spec as AppSpec) : undefined;
  const changes = draft.confirmChanges ?? diff.body.changes ?? [];
  const installed = diff.body.installed ?? 0;
  const needsConfirm = changes.some((change) => change.safety === 'confirm');
  const main = html`<h1>${t.draftTitle}</h1>
${alertBox(draft.error ?? refused)}
${draft.meantAsNew && installed > 0 ? noticeBox(t.addressTaken) : ''}
${notUnderstoodView(draft.notUnderstood ?? [], lang)}
${problems.length > 0 ? problemsView(problems, lang) : ''}
${spec ? explanationView(spec, lang) : ''}
${spec ? refineForm(spec, lang) : ''}
<section aria-labelledby="diff-heading">
<h2 id="diff-heading">${t.diffHeading}</h2>
${diff.status !== 200 ? '' : installed === 0 ? html`<p>${t.newApp}</p>` : changes.length === 0 ? html`<p>${t.noChanges}</p>` : changesView(changes, lang)}
${
  problems.length === 0 && !refused
    ? html`<form method="post" action="/builder/deploy">
${hidden('draft', JSON.stringify(draft.spec))}
${needsConfirm ? html`<div class="field">${checkbox('confirm', t.confirmBox, false)}</div>` : ''}
<div class="actions"><button type="submit">${t.deploy}</button></div>
</form>`
    : ''
}
</section>
${
  spec
    ? html`<section aria-labelledby="edit-heading"><h2 id="edit-heading">${t.editHeading}</h2><p>${t.editHint}</p>${specForm(
        spec,
        lang,
        '/builder/edit',
      )}</section>`
    : ''
}`;
  // A draft with problems is answered like a form with errors: shown in full, with 400.
  return sendPage(reply, page({ request, lang, title: t.draftTitle, main, session }), draft.status ?? (problems.length > 0 ? 400 : 200));
}

function notUnderstoodView(words: string[], lang: Language): SafeHtml {
  if (words.length === 0) return html``;
  const t = builderText(lang);
  return html`<section class="notice" aria-labelledby="not-understood"><h2 id="not-understood">${t.notUnderstood}</h2>
<p>${t.notUnderstoodHint}</p><ul>${words.map((word) => html`<li><bdi>${word}</bdi></li>`)}</ul></section>`;
}

function problemsView(problems: SpecProblem[], lang: Language): SafeHtml {
  return html`<section class="alert" role="alert" aria-labelledby="problems"><h2 id="problems">${builderText(lang).problems}</h2>
<ul>${problems.map((problem) => html`<li><code dir="ltr">${problem.path}</code>: <span dir="ltr" lang="en">${problem.problem}</span></li>`)}</ul></section>`;
}

function refineForm(spec: AppSpec, lang: Language): SafeHtml {
  const t = builderText(lang);
  return html`<section aria-labelledby="refine-heading"><h2 id="refine-heading">${t.refineHeading}</h2>
<form method="post" action="/builder/describe" class="stack">
${hidden('draft', JSON.stringify(spec))}
${textareaControl('description', t.refine, '', t.refineHint)}
<div><button type="submit">${t.refineButton}</button></div>
</form></section>`;
}

/** The draft a form carries, or undefined when it carries none (or not JSON). */
function draftOf(form: FormBody): unknown {
  const text = form.fields.draft;
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

type SendHome = (request: FastifyRequest, reply: FastifyReply, problem: HomeProblem) => Promise<FastifyReply>;

export function registerDraftPages(scope: FastifyInstance, sendHome: SendHome): void {
  // A description (first, or a refinement of the draft the form carries) goes to the planner.
  scope.post('/builder/describe', async (request, reply) => {
    const session = await requireSession(request, reply);
    if (!session) return reply;
    const lang = languageOf(request);
    const form = formOf(request.body);
    const description = (form.fields.description ?? '').trim();
    const from = draftOf(form);
    if (!description) {
      if (from !== undefined) return sendDraft(request, reply, session, { spec: from, status: 400, error: builderText(lang).refine });
      return sendHome(request, reply, { error: builderText(lang).errors.BAD_DESCRIPTION ?? '' });
    }
    const plan = await builderApi.plan(request, description, from);
    if (plan.status === 200)
      return sendDraft(request, reply, session, {
        spec: plan.body.spec,
        notUnderstood: plan.body.not_understood ?? [],
        meantAsNew: from === undefined,
      });
    const error = plan.status === 404 ? builderText(lang).plannerMissing : builderErrorText(lang, plan.body);
    if (from !== undefined) return sendDraft(request, reply, session, { spec: from, error, status: plan.status });
    const notUnderstood = (plan.body as { not_understood?: string[] }).not_understood ?? [];
    return sendHome(request, reply, { error, notUnderstood, description, status: plan.status });
  });

  scope.post('/builder/edit', async (request, reply) => {
    const session = await requireSession(request, reply);
    if (!session) return reply;
    const form = formOf(request.body);
    const base = draftOf(form);
    if (!wellFormed.Check(base)) return sendHome(request, reply, { error: builderText(languageOf(request)).importNotJson });
    return sendDraft(request, reply, session, { spec: specFromForm(base as AppSpec, form) });
  });

  scope.post('/builder/deploy', async (request, reply) => {
    const session = await requireSession(request, reply);
    if (!session) return reply;
    const lang = languageOf(request);
    const form = formOf(request.body);
    const spec = draftOf(form);
    if (spec === undefined) return sendHome(request, reply, { error: builderText(lang).importNotJson });
    const deployed = await builderApi.deploy(request, spec, form.fields.confirm !== undefined);
    if (deployed.status === 200) {
      return reply.redirect(`/builder/apps/${encodeURIComponent(deployed.body.app)}?deployed=${deployed.body.version}`, 303);
    }
    const confirmChanges = deployed.body.errcode === 'CONFIRMATION_NEEDED' ? (deployed.body.changes ?? []) : undefined;
    const error = confirmChanges ? builderText(lang).confirmFirst : builderErrorText(lang, deployed.body);
    return sendDraft(request, reply, session, { spec, error, status: deployed.status, ...(confirmChanges ? { confirmChanges } : {}) });
  });

  // The installed app as a draft, to change it by a sentence or by the form.
  scope.get<{ Params: { slug: string } }>('/builder/apps/:slug/edit', async (request, reply) => {
    const session = await requireSession(request, reply);
    if (!session) return reply;
    const installed = await builderApi.spec(request, request.params.slug);
    if (installed.status !== 200)
      return sendHome(request, reply, { error: builderErrorText(languageOf(request), installed.body), status: installed.status });
    return sendDraft(request, reply, session, { spec: installed.body.spec });
  });

  // An exported app (a file or pasted JSON) becomes a draft to review before deploying.
  scope.post('/builder/import', async (request, reply) => {
    const session = await requireSession(request, reply);
    if (!session) return reply;
    const t = builderText(languageOf(request));
    const form = formOf(request.body);
    const text = form.files.file?.bytes.toString('utf8') || form.fields.json || '';
    if (!text.trim()) return sendHome(request, reply, { error: t.importNothing });
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch {
      return sendHome(request, reply, { error: t.importNotJson });
    }
    // An export is { app, version, spec }; a bare spec is taken as it is (as `watan app import` does).
    const spec = document !== null && typeof document === 'object' && 'spec' in document ? (document as { spec: unknown }).spec : document;
    return sendDraft(request, reply, session, { spec, meantAsNew: true });
  });
}
