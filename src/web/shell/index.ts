/**
 * The web shell: what every area of the web (generated app pages, builder pages, licence
 * console) builds on. Server-rendered HTML, no framework:
 *
 * - `html\`...\`` escapes every interpolation; `raw()` for markup this program made.
 * - `page({ request, lang, title, main, session })` is a whole document (nav, language switch,
 *   sign-in state); `sendPage(reply, markup, status?)` sends it with no-store and a strict CSP.
 * - `languageOf(request)` is the person's language; each area keeps `en`/`ur` catalogues of one
 *   shape and reads them through `catalogue({ en, ur })(lang)`. `labelIn(label, lang)` for
 *   spec labels; `formatNumber/formatMoney/formatDate/formatDateTime` use Urdu digits in Urdu.
 * - `callApi(request, method, path, body?)` asks the node's API in-process as the signed-in
 *   person; `apiErrorText(lang, body)` turns a refusal into words; `alertBox`, `noticeBox`.
 * - `requireSession(request, reply)` gives the person or redirects to /sign-in (303);
 *   `sessionOf(request)` when a page is open to everyone.
 * - `formOf(request.body)` reads a posted form (url-encoded or multipart with files). Every
 *   POST of the web scope has already passed the same-origin check.
 * - `inputField`, `fieldBlock`, `controlAttributes`: labelled controls with their errors.
 */
export { type ApiAnswer, type ApiCallOptions, type ApiFile, callApi, callApiForFile, SESSION_COOKIE } from './api.ts';
export { alertBox, apiErrorText, noticeBox } from './api-errors.ts';
export { isSameOriginRequest, originOf } from './csrf.ts';
export { controlAttributes, describedBy, type FieldParts, fieldBlock, type InputField, inputField } from './fields.ts';
export { type FormBody, formOf, type UploadedFile } from './form-bodies.ts';
export { registerHome } from './home.ts';
export { escapeHtml, type HtmlValue, html, raw, SafeHtml } from './html.ts';
export {
  catalogue,
  directionOf,
  formatDate,
  formatDateTime,
  formatMoney,
  formatNumber,
  LANGUAGES,
  type Label,
  type Language,
  labelIn,
  languageOf,
} from './i18n.ts';
export { type PageOptions, page, sendPage } from './layout.ts';
export { shellText } from './messages.ts';
export { messagePage, prepareWebScope, type WebOptions } from './scope.ts';
export { localPathOf, requireSession, type Session, sessionOf } from './session.ts';
export { registerSignIn } from './sign-in.ts';
export { SCRIPT_URL, STYLESHEET_URL } from './static.ts';
