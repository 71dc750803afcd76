/** The apps on this node, and one app's front page: what the person may see and start there. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppSpec } from '../../builder/index.ts';
import { callApi, formatNumber, html, labelIn, languageOf, page, type Session, sendPage } from '../shell/index.ts';
import { appPath, isLoaded, type LoadedApp, likelyRolesOf, listViewOf, loadApp, mayTry, refusalPage } from './app-spec.ts';
import { appText } from './messages.ts';

/** How many apps the index names (each needs its spec read). */
const LISTED_APPS = 100;

export async function appsIndexPage(request: FastifyRequest, reply: FastifyReply, session: Session): Promise<FastifyReply> {
  const lang = languageOf(request);
  const t = appText(lang);
  const answer = await callApi<{ apps?: { app: string; version: number }[] }>(request, 'GET', '/_watan/v1/apps');
  if (answer.status !== 200) return refusalPage(request, reply, answer);
  const apps = (await Promise.all((answer.body.apps ?? []).slice(0, LISTED_APPS).map((entry) => loadApp(request, entry.app)))).filter(
    isLoaded,
  );
  const main = html`<h1>${t.appsTitle}</h1>
${
  apps.length === 0
    ? html`<p>${t.noApps}</p>`
    : html`<ul class="cards">${apps.map(
        (app) => html`<li><a href="${appPath(app.slug)}">${labelIn(app.spec.name, lang)}</a>
<p class="hint">${labelIn(app.spec.description, lang)} (${t.version(formatNumber(lang, app.version))})</p></li>`,
      )}</ul>`
}`;
  return sendPage(reply, page({ request, lang, title: t.appsTitle, main, session }));
}

/** Whether the API lets the person list an entity's records (it decides, record by record, what they see). */
async function mayList(request: FastifyRequest, app: LoadedApp, entity: string): Promise<boolean> {
  const answer = await callApi(request, 'GET', `/_watan/v1/apps/${app.slug}/records/${entity}?limit=1`);
  return answer.status === 200;
}

export async function appHomePage(request: FastifyRequest, reply: FastifyReply, session: Session, slug: string): Promise<FastifyReply> {
  const lang = languageOf(request);
  const t = appText(lang);
  const app = await loadApp(request, slug);
  if (!isLoaded(app)) return refusalPage(request, reply, app);
  const spec: AppSpec = app.spec;
  const roles = await likelyRolesOf(request, session, app);
  const cards = [];
  for (const entity of spec.entities) {
    const listed = await mayList(request, app, entity.name);
    const creates = mayTry(spec, roles, entity.name, 'create');
    if (!listed && !creates) continue;
    const view = listViewOf(spec, entity.name);
    const form = (spec.views ?? []).find((v) => v.entity === entity.name && v.kind === 'form');
    cards.push(html`<li><h2>${labelIn(view?.label ?? entity.label, lang)}</h2>
${listed ? html`<p><a href="${appPath(slug, entity.name)}">${t.openList}</a></p>` : ''}
${creates ? html`<p><a class="button" href="${appPath(slug, entity.name, 'new')}">${form ? labelIn(form.label, lang) : t.create(labelIn(entity.label, lang))}</a></p>` : ''}
</li>`);
  }
  const title = labelIn(spec.name, lang);
  const main = html`<h1>${title}</h1>
${spec.description ? html`<p>${labelIn(spec.description, lang)}</p>` : ''}
${cards.length > 0 ? html`<ul class="cards">${cards}</ul>` : html`<p>${t.nothingToSee}</p>`}`;
  return sendPage(reply, page({ request, lang, title, main, session }));
}
