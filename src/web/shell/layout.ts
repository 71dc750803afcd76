/**
 * The frame of every page: head, skip link, header with navigation, language switch and
 * sign-in state, and the main landmark. Pages give their title and main content.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendCompressible } from './compression.ts';
import { type HtmlValue, html, type SafeHtml } from './html.ts';
import { directionOf, type Language } from './i18n.ts';
import { shellText } from './messages.ts';
import type { Session } from './session.ts';
import { SCRIPT_URL, STYLESHEET_URL } from './static.ts';

export interface PageOptions {
  request: FastifyRequest;
  lang: Language;
  /** The page's own title (the site's name is added). */
  title: string;
  /** The content of `<main>`; its first heading should say what `title` says. */
  main: HtmlValue;
  session: Session | undefined;
}

/** This page's address in the other language (same path and query, `lang` changed). */
function languageLink(request: FastifyRequest, lang: Language): string {
  const url = new URL(request.url, 'http://page.invalid');
  url.searchParams.set('lang', lang);
  return `${url.pathname}${url.search}`;
}

/** A whole HTML document. */
export function page(options: PageOptions): SafeHtml {
  const { request, lang, session } = options;
  const t = shellText(lang);
  const other: Language = lang === 'ur' ? 'en' : 'ur';
  const next = encodeURIComponent(request.url.split('?')[0] ?? '/');
  return html`<!doctype html>
<html lang="${lang}" dir="${directionOf(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · ${t.siteName}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${STYLESHEET_URL}">
<script src="${SCRIPT_URL}" defer></script>
</head>
<body>
<a class="skip" href="#main">${t.skipToContent}</a>
<header class="site">
<nav aria-label="${t.mainNavigation}">
<ul>
<li><a class="brand" href="/">${t.siteName}</a></li>
<li><a href="/apps">${t.apps}</a></li>
<li><a href="/builder">${t.builder}</a></li>
<li class="end"><a href="${languageLink(request, other)}" lang="${other}" hreflang="${other}">${other === 'ur' ? t.urdu : t.english}</a></li>
${
  session
    ? html`<li><span>${t.signedInAs} <bdi>${session.userId}</bdi></span></li>
<li><form method="post" action="/sign-out"><button class="link" type="submit">${t.signOut}</button></form></li>`
    : html`<li><a href="/sign-in?next=${next}">${t.signIn}</a></li>`
}
</ul>
</nav>
</header>
<main id="main" tabindex="-1">
${options.main}
</main>
</body>
</html>`;
}

/**
 * Sends a page. Pages carry personal data, so nothing caches them; the policy allows only
 * this site's stylesheet, script and images, and forms that post back here.
 */
export function sendPage(reply: FastifyReply, markup: SafeHtml, status = 200): FastifyReply {
  reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'same-origin')
    .header(
      'content-security-policy',
      "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
  return sendCompressible(reply, Buffer.from(markup.value));
}
