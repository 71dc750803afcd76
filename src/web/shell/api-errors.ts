/** API refusals as a person reads them: translated where the errcode is known, the API's own words otherwise. */
import { html, type SafeHtml } from './html.ts';
import type { Language } from './i18n.ts';
import { shellText } from './messages.ts';

/** The refusal's text in the language. English readers also get the API's reason when it says more. */
export function apiErrorText(lang: Language, body: { errcode?: string; error?: string }): string {
  const t = shellText(lang);
  const known = body.errcode ? t.errors[body.errcode] : undefined;
  if (known) return lang === 'en' && body.error && body.errcode !== 'M_FORBIDDEN' ? `${known} (${body.error})` : known;
  return body.error ?? t.unknownError;
}

/** A message at the top of a form or page, announced to screen readers. */
export function alertBox(message: string | undefined, id = 'form-error'): SafeHtml {
  return message ? html`<div class="alert" role="alert" id="${id}" tabindex="-1">${message}</div>` : html``;
}

/** A confirmation at the top of a page. */
export function noticeBox(message: string | undefined): SafeHtml {
  return message ? html`<div class="notice" role="status">${message}</div>` : html``;
}
