import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiError } from '../../node/index.ts';

export const CONTINUE_PATH = '/_watan/v1/identity/oidc/continue';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** Pages that end a sign-in are never framed (no clickjacking of the Continue button) nor cached. */
function page(reply: FastifyReply, status: number, title: string, body: string, script?: string): FastifyReply {
  // No CSP form-action: browsers apply it to the redirect after the form too, which goes to the client.
  // The one script a page may run is named by its hash.
  const scripts = script ? `; script-src 'sha256-${createHash('sha256').update(script).digest('base64')}'` : '';
  return reply
    .code(status)
    .header('cache-control', 'no-store')
    .header('x-frame-options', 'DENY')
    .header('content-security-policy', `default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'${scripts}`)
    .type('text/html; charset=utf-8')
    .send(
      `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title>${script ? `<script>${script}</script>` : ''}<style>body{font-family:system-ui,sans-serif;max-width:30rem;margin:3rem auto;padding:0 1rem}button{padding:.5rem 1rem;font-size:1rem}</style></head><body>${body}</body></html>\n`,
    );
}

/**
 * The specification's guard against a link that would send a login token to a site the
 * person did not choose: say which site asks, and continue only on their click.
 */
export function confirmationPage(reply: FastifyReply, confirmation: string, redirectUrl: string): FastifyReply {
  const site = new URL(redirectUrl);
  const shown = site.protocol === 'http:' || site.protocol === 'https:' ? site.host : `${site.protocol}//`;
  return page(
    reply,
    200,
    'Continue signing in?',
    `<h1>Continue signing in?</h1><p>You signed in with the identity provider. <strong>${escapeHtml(shown)}</strong> is asking for access to your Matrix account.</p><p>Continue only if you started signing in there.</p><form method="post" action="${CONTINUE_PATH}"><input type="hidden" name="confirmation" value="${escapeHtml(confirmation)}"><button type="submit">Continue to ${escapeHtml(shown)}</button></form>`,
  );
}

/**
 * The start of the m.login.sso fallback: what the client asks to do, before the person goes to
 * the identity provider, so nobody is asked to sign in again for something they cannot see.
 */
export function confirmReauthenticationPage(reply: FastifyReply, purpose: string, continueUrl: string): FastifyReply {
  return page(
    reply,
    200,
    `Confirm it is you to ${purpose}`,
    `<h1>Confirm it is you to ${escapeHtml(purpose)}</h1><p>Your client asks to <strong>${escapeHtml(purpose)}</strong>. To allow it, sign in again with the identity provider as the owner of this account.</p><p>If you did not ask for this, close this page.</p><p><a href="${escapeHtml(continueUrl)}">Continue</a></p>`,
  );
}

/**
 * The end of the m.login.sso fallback: the specification's signal to the client that opened
 * the page (`window.onAuthDone`, or a message "authDone" to its opener), and words for a person.
 */
export function authDonePage(reply: FastifyReply): FastifyReply {
  const script =
    'if (window.onAuthDone) { window.onAuthDone(); } else if (window.opener && window.opener.postMessage) { window.opener.postMessage("authDone", "*"); }';
  return page(reply, 200, 'Confirmed', '<h1>Confirmed</h1><p>You may close this page and return to your client.</p>', script);
}

/** A refused sign-in ends in the person's browser: a short page saying why (the Matrix error as JSON to a caller that does not ask for HTML). */
export function refusalPage(request: FastifyRequest, reply: FastifyReply, error: ApiError): FastifyReply {
  if (!(request.headers.accept ?? '').includes('text/html'))
    return reply.code(error.status).header('cache-control', 'no-store').send({ errcode: error.errcode, error: error.message });
  return page(
    reply,
    error.status,
    'Sign-in refused',
    `<h1>Sign-in refused</h1><p>${escapeHtml(error.message)}</p><p>(${error.errcode})</p>`,
  );
}
