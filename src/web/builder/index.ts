/**
 * The builder's pages under /builder: home (licence, description box, one's apps, import),
 * the draft (plain words, the editable form, what was not understood, the upgrade diff,
 * deploy) and each app's management (versions and restore, co-builders, members, export).
 * Every page is a client of the node's builder, licence and people APIs.
 */
import type { FastifyInstance } from 'fastify';
import { registerDraftPages } from './draft.ts';
import { sendHome } from './home.ts';
import { registerManagePages } from './manage.ts';

export { refusalText } from './errors.ts';
export { type Explanation, type ExplanationSection, explainSpec } from './explain.ts';
export { sectorName } from './messages.ts';

/** Pages that answer a form (a draft, a refusal) link to their own address in the other language; asked with GET, it goes back to where the form was. */
const FORM_ANSWERS = ['/builder/describe', '/builder/edit', '/builder/deploy', '/builder/import'];

export function registerBuilderPages(scope: FastifyInstance): void {
  scope.get('/builder', (request, reply) => sendHome(request, reply));
  for (const path of FORM_ANSWERS) scope.get(path, async (_request, reply) => reply.redirect('/builder', 303));
  scope.get<{ Params: { slug: string; '*': string } }>('/builder/apps/:slug/*', async (request, reply) =>
    reply.redirect(`/builder/apps/${encodeURIComponent(request.params.slug)}`, 303),
  );
  registerDraftPages(scope, sendHome);
  registerManagePages(scope);
}
