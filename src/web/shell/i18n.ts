/**
 * Languages of the web pages. Each area (shell, apps, builder, console) keeps its own message
 * catalogue as two typed objects, `en` and `ur`, of one shape: tsc refuses an Urdu catalogue
 * missing a key. `catalogue({ en, ur })` gives `t(lang)`, the messages of a language.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { cookiesOf, setCookie } from './cookies.ts';

export type Language = 'en' | 'ur';
export const LANGUAGES: readonly Language[] = ['en', 'ur'];

/** A label in both languages, as specs carry them. */
export interface Label {
  en: string;
  ur: string;
}

/** The messages of one area, both languages of the same shape. */
export function catalogue<Messages>(messages: { en: Messages; ur: Messages }): (lang: Language) => Messages {
  return (lang) => messages[lang];
}

/** The text direction of a language. */
export function directionOf(lang: Language): 'ltr' | 'rtl' {
  return lang === 'ur' ? 'rtl' : 'ltr';
}

export const LANGUAGE_COOKIE = 'watan_lang';

function isLanguage(value: unknown): value is Language {
  return value === 'en' || value === 'ur';
}

/**
 * The language of this request: `?lang=` (which the caller keeps with `rememberLanguage`),
 * else the `watan_lang` cookie, else Accept-Language (Urdu when the browser asks for it first
 * among the two), else English.
 */
export function languageOf(request: FastifyRequest): Language {
  const asked = (request.query as Record<string, unknown> | undefined)?.lang;
  if (isLanguage(asked)) return asked;
  const kept = cookiesOf(request)[LANGUAGE_COOKIE];
  if (isLanguage(kept)) return kept;
  for (const part of (request.headers['accept-language'] ?? '').split(',')) {
    const tag = part.split(';')[0]?.trim().toLowerCase().slice(0, 2);
    if (isLanguage(tag)) return tag;
  }
  return 'en';
}

/** Keeps a language chosen with `?lang=` in the `watan_lang` cookie for a year. */
export function rememberLanguage(request: FastifyRequest, reply: FastifyReply): void {
  const asked = (request.query as Record<string, unknown> | undefined)?.lang;
  if (isLanguage(asked) && cookiesOf(request)[LANGUAGE_COOKIE] !== asked)
    setCookie(request, reply, LANGUAGE_COOKIE, asked, { maxAgeSeconds: 365 * 24 * 3600, httpOnly: false });
}

/** The label in a language, falling back to English when the Urdu is empty. */
export function labelIn(label: Label | undefined, lang: Language): string {
  if (!label) return '';
  return (lang === 'ur' ? label.ur : label.en) || label.en;
}

const numberFormats = {
  en: new Intl.NumberFormat('en-PK'),
  ur: new Intl.NumberFormat('ur-PK', { numberingSystem: 'arabext' }),
};

/** A number as a person of the language writes it (Urdu: Extended Arabic-Indic digits). */
export function formatNumber(lang: Language, value: number): string {
  return numberFormats[lang].format(value);
}

const rupeeFormats = {
  en: new Intl.NumberFormat('en-PK', { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
  ur: new Intl.NumberFormat('ur-PK', { numberingSystem: 'arabext', minimumFractionDigits: 2, maximumFractionDigits: 2 }),
};

/** Rupees, with the language's digits; paisa shown only when there are some. */
export function formatMoney(lang: Language, rupees: number): string {
  const amount = Number.isInteger(rupees) ? formatNumber(lang, rupees) : rupeeFormats[lang].format(rupees);
  return lang === 'ur' ? `${amount} روپے` : `Rs ${amount}`;
}

const dateFormats = {
  en: new Intl.DateTimeFormat('en-PK', { dateStyle: 'medium', timeZone: 'UTC' }),
  ur: new Intl.DateTimeFormat('ur-PK', { dateStyle: 'medium', numberingSystem: 'arabext', timeZone: 'UTC' }),
};
const dateTimeFormats = {
  en: new Intl.DateTimeFormat('en-PK', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Asia/Karachi' }),
  ur: new Intl.DateTimeFormat('ur-PK', { dateStyle: 'medium', timeStyle: 'short', numberingSystem: 'arabext', timeZone: 'Asia/Karachi' }),
};

/** A calendar date (YYYY-MM-DD) in the language; text that is not a date is shown as it is. */
export function formatDate(lang: Language, date: string): string {
  const parsed = new Date(`${date}T00:00:00Z`);
  return Number.isNaN(parsed.getTime()) ? date : dateFormats[lang].format(parsed);
}

/** A moment (milliseconds or an ISO string) in the language, in Pakistan's time. */
export function formatDateTime(lang: Language, moment: number | string): string {
  const parsed = new Date(moment);
  return Number.isNaN(parsed.getTime()) ? String(moment) : dateTimeFormats[lang].format(parsed);
}
