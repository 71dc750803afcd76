/**
 * Sign-in and sign-out pages. The password form posts here and the web asks the node's Matrix
 * `/login` for a session; SSO goes through the node's own `/login/sso/redirect` and comes back
 * to /sign-in/sso with a login token, exchanged with m.login.token. The access token lives
 * only in the session cookie.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { callApi } from './api.ts';
import { alertBox, apiErrorText, noticeBox } from './api-errors.ts';
import { originOf } from './csrf.ts';
import { inputField } from './fields.ts';
import { formOf } from './form-bodies.ts';
import { html } from './html.ts';
import { type Language, languageOf } from './i18n.ts';
import { page, sendPage } from './layout.ts';
import { shellText } from './messages.ts';
import { endSession, localPathOf, sessionOf, startSession } from './session.ts';

const DEVICE_NAME = 'Watan web';

interface SignInForm {
  username?: string;
  error?: string;
  next: string;
  notice?: string;
}

async function offersSso(request: FastifyRequest): Promise<boolean> {
  const flows = await callApi<{ flows?: { type?: string }[] }>(request, 'GET', '/_matrix/client/v3/login', undefined, { token: null });
  return (flows.body.flows ?? []).some((flow) => flow.type === 'm.login.sso');
}

async function signInPage(request: FastifyRequest, reply: FastifyReply, lang: Language, form: SignInForm, status = 200) {
  const t = shellText(lang);
  const back = `${originOf(request)}/sign-in/sso?next=${encodeURIComponent(form.next)}`;
  const sso = (await offersSso(request))
    ? html`<p>${t.or}</p><p><a class="button secondary" href="/_matrix/client/v3/login/sso/redirect?redirectUrl=${encodeURIComponent(back)}">${t.signInWithSso}</a></p>`
    : '';
  const main = html`<h1>${t.signInTitle}</h1>
${noticeBox(form.notice)}
${alertBox(form.error)}
<form class="stack" method="post" action="/sign-in"${form.error ? html` aria-describedby="form-error"` : ''}>
<input type="hidden" name="next" value="${form.next}">
${inputField({ name: 'username', label: t.username, value: form.username, autocomplete: 'username', required: true, extra: html`autocapitalize="none" spellcheck="false"` })}
${inputField({ name: 'password', label: t.password, type: 'password', autocomplete: 'current-password', required: true })}
<div><button type="submit">${t.signIn}</button></div>
</form>
${sso}`;
  return sendPage(reply, page({ request, lang, title: t.signIn, main, session: undefined }), status);
}

export function registerSignIn(scope: FastifyInstance): void {
  scope.get('/sign-in', async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const lang = languageOf(request);
    const next = localPathOf(query.next);
    if (await sessionOf(request)) return reply.redirect(next, 303);
    return signInPage(request, reply, lang, { next, ...(query.signed_out !== undefined ? { notice: shellText(lang).signedOut } : {}) });
  });

  scope.post('/sign-in', async (request, reply) => {
    const lang = languageOf(request);
    const t = shellText(lang);
    const { fields } = formOf(request.body);
    const next = localPathOf(fields.next);
    const username = (fields.username ?? '').trim();
    const password = fields.password ?? '';
    if (!username || !password) return signInPage(request, reply, lang, { username, next, error: t.fillBoth }, 400);
    const answer = await callApi<{ access_token?: string }>(
      request,
      'POST',
      '/_matrix/client/v3/login',
      { type: 'm.login.password', identifier: { type: 'm.id.user', user: username }, password, initial_device_display_name: DEVICE_NAME },
      { token: null },
    );
    if (answer.status === 200 && typeof answer.body.access_token === 'string') {
      startSession(request, reply, answer.body.access_token);
      return reply.redirect(next, 303);
    }
    const error = answer.status === 403 ? t.wrongPassword : apiErrorText(lang, answer.body);
    return signInPage(request, reply, lang, { username, next, error }, answer.status === 429 ? 429 : 400);
  });

  // The node's SSO sends the browser back here with a login token good for one sign-in.
  scope.get('/sign-in/sso', async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const lang = languageOf(request);
    const next = localPathOf(query.next);
    const loginToken = typeof query.loginToken === 'string' ? query.loginToken : '';
    const answer = loginToken
      ? await callApi<{ access_token?: string }>(
          request,
          'POST',
          '/_matrix/client/v3/login',
          { type: 'm.login.token', token: loginToken, initial_device_display_name: DEVICE_NAME },
          { token: null },
        )
      : undefined;
    if (answer?.status === 200 && typeof answer.body.access_token === 'string') {
      startSession(request, reply, answer.body.access_token);
      return reply.redirect(next, 303);
    }
    return signInPage(request, reply, lang, { next, error: shellText(lang).ssoFailed }, 400);
  });

  scope.post('/sign-out', async (request, reply) => {
    if (await sessionOf(request)) await callApi(request, 'POST', '/_matrix/client/v3/logout', {});
    endSession(request, reply);
    return reply.redirect('/sign-in?signed_out=1', 303);
  });
}
