/**
 * What every page of the web shares, set once on the web's own Fastify scope: form bodies,
 * the cross-site check on every state-changing request, the remembered language, static
 * files, and errors shown as pages rather than JSON.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { alertBox } from './api-errors.ts';
import { isSameOriginRequest, setPublicOrigin } from './csrf.ts';
import { readFormBodies } from './form-bodies.ts';
import { html } from './html.ts';
import { languageOf, rememberLanguage } from './i18n.ts';
import { page, sendPage } from './layout.ts';
import { shellText } from './messages.ts';
import { sessionOf } from './session.ts';
import { registerStaticFiles } from './static.ts';

export interface WebOptions {
  /**
   * The URL browsers use to reach the node (`--public-url`), when it differs from what the node
   * sees — behind a TLS-terminating proxy. Its origin is the one forms must come from, and an
   * https URL makes the session cookie Secure.
   */
  publicUrl?: string;
}

/** Answers with a page holding one message, under the given heading. */
export async function messagePage(request: FastifyRequest, reply: FastifyReply, status: number, title: string, message: string) {
  const lang = languageOf(request);
  const main = html`<h1>${title}</h1>${alertBox(message)}<p><a href="/">${shellText(lang).home}</a></p>`;
  return sendPage(reply, page({ request, lang, title, main, session: await sessionOf(request) }), status);
}

export function prepareWebScope(scope: FastifyInstance, options: WebOptions): void {
  const publicOrigin = options.publicUrl === undefined ? undefined : new URL(options.publicUrl).origin;
  readFormBodies(scope);
  registerStaticFiles(scope);
  scope.addHook('onRequest', async (request, reply) => {
    if (publicOrigin) setPublicOrigin(request, publicOrigin);
    if (!isSameOriginRequest(request)) {
      const t = shellText(languageOf(request));
      return messagePage(request, reply, 403, t.forbiddenTitle, t.crossSite);
    }
    rememberLanguage(request, reply);
  });
  scope.setErrorHandler(async (error: FastifyError, request, reply) => {
    const t = shellText(languageOf(request));
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, 'web page failed');
    return messagePage(request, reply, status, t.errorTitle, status >= 500 ? t.tryAgain : error.message);
  });
}
