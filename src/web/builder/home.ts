/** The builder's home: the person's licence, the description box, their apps, and import. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  alertBox,
  formatDate,
  formatNumber,
  html,
  type Language,
  languageOf,
  page,
  type SafeHtml,
  sendPage,
  sessionOf,
} from '../shell/index.ts';
import { builderApi, type Licence } from './builder-api.ts';
import { builderText, sectorName } from './messages.ts';
import { textareaControl } from './spec-form/controls.ts';

interface OwnApp {
  slug: string;
  name: string;
  version: number;
}

/** What a refused description comes back with: why, the words not understood, and the text to correct. */
export interface HomeProblem {
  error: string;
  notUnderstood?: string[];
  description?: string;
  status?: number;
}

/** The home page; a problem (from a form sent here) is shown at the top. */
export async function sendHome(request: FastifyRequest, reply: FastifyReply, problem?: HomeProblem): Promise<FastifyReply> {
  const error = problem?.error;
  const lang = languageOf(request);
  const t = builderText(lang);
  const session = await sessionOf(request);
  if (!session) {
    const main = html`<h1>${t.title}</h1><p>${t.intro}</p><p><a class="button" href="/sign-in?next=%2Fbuilder">${t.signInFirst}</a></p>`;
    return sendPage(reply, page({ request, lang, title: t.title, main, session }));
  }
  const [licences, apps] = await Promise.all([builderApi.licencesOf(request, session.userId), ownApps(request, lang)]);
  const main = html`<h1>${t.title}</h1>
${alertBox(error)}
${problem?.notUnderstood?.length ? html`<ul>${problem.notUnderstood.map((word) => html`<li><bdi>${word}</bdi></li>`)}</ul>` : ''}
<p>${t.intro}</p>
<section aria-labelledby="licence-heading"><h2 id="licence-heading">${t.licence}</h2>${licenceView(licences.body.licences ?? [], lang)}
<p><a href="/builder/console">${t.consoleLink}</a></p></section>
<section aria-labelledby="describe-heading"><h2 id="describe-heading">${t.describeHeading}</h2>
<form method="post" action="/builder/describe" class="stack">
${textareaControl('description', t.description, problem?.description ?? '', t.descriptionHint)}
<div><button type="submit">${t.understand}</button></div>
</form></section>
<section aria-labelledby="apps-heading"><h2 id="apps-heading">${t.yourApps}</h2>${appsView(apps, lang)}</section>
<section aria-labelledby="import-heading"><h2 id="import-heading">${t.importHeading}</h2>
<form method="post" action="/builder/import" enctype="multipart/form-data" class="stack">
<div class="field"><label for="file">${t.importFile}</label><input type="file" id="file" name="file" accept="application/json,.json"></div>
${textareaControl('json', t.importText, '')}
<div><button type="submit" class="secondary">${t.importButton}</button></div>
</form></section>`;
  return sendPage(reply, page({ request, lang, title: t.title, main, session }), problem ? (problem.status ?? 400) : 200);
}

function licenceView(licences: Licence[], lang: Language): SafeHtml {
  const t = builderText(lang);
  const held = licences.find((licence) => licence.revoked === null);
  if (held) {
    const since = formatDate(lang, new Date(held.assignedAt).toISOString().slice(0, 10));
    return html`<p class="notice">${t.licensed(sectorName(lang, held.sector), since)}</p>`;
  }
  const revoked = licences.at(-1);
  return html`<p class="alert">${revoked?.revoked ? t.revoked(revoked.revoked.reason) : t.unlicensed}</p>`;
}

/** The apps this person builds: every installed app whose builders list the person lets them in. */
async function ownApps(request: FastifyRequest, lang: Language): Promise<OwnApp[]> {
  const all = await builderApi.apps(request);
  const apps: OwnApp[] = [];
  for (const { app, version } of all.body.apps ?? []) {
    const builders = await builderApi.builders(request, app);
    if (builders.status !== 200) continue;
    const spec = await builderApi.spec(request, app);
    apps.push({ slug: app, version, name: spec.status === 200 ? spec.body.spec.name[lang] : app });
  }
  return apps;
}

function appsView(apps: OwnApp[], lang: Language): SafeHtml {
  const t = builderText(lang);
  if (apps.length === 0) return html`<p>${t.noApps}</p>`;
  return html`<div class="table-scroll" tabindex="0"><table>
<thead><tr><th scope="col">${t.app}</th><th scope="col">${t.version}</th><th scope="col">${t.actions}</th></tr></thead>
<tbody>${apps.map(
    (app) => html`<tr><th scope="row">${app.name} <bdi dir="ltr">(${app.slug})</bdi></th><td>${formatNumber(lang, app.version)}</td>
<td><a href="/apps/${app.slug}">${t.open}</a> · <a href="/builder/apps/${app.slug}">${t.manage}</a></td></tr>`,
  )}</tbody></table></div>`;
}
