/** The site's front page: where to go next. */
import type { FastifyInstance } from 'fastify';
import { html } from './html.ts';
import { languageOf } from './i18n.ts';
import { page, sendPage } from './layout.ts';
import { shellText } from './messages.ts';
import { sessionOf } from './session.ts';

export function registerHome(scope: FastifyInstance): void {
  scope.get('/', async (request, reply) => {
    const lang = languageOf(request);
    const t = shellText(lang);
    const main = html`<h1>${t.siteName}</h1>
<p>${t.welcome}</p>
<ul class="cards">
<li><a href="/apps">${t.homeApps}</a></li>
<li><a href="/builder">${t.homeBuilder}</a></li>
</ul>`;
    return sendPage(reply, page({ request, lang, title: t.home, main, session: await sessionOf(request) }));
  });
}
