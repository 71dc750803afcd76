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

export { type Explanation, type ExplanationSection, explainSpec } from './explain.ts';

export function registerBuilderPages(scope: FastifyInstance): void {
  scope.get('/builder', (request, reply) => sendHome(request, reply));
  registerDraftPages(scope, sendHome);
  registerManagePages(scope);
}
