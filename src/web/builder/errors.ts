import { apiErrorText, type Language } from '../shell/index.ts';
import { builderText } from './messages.ts';

/** An API refusal as a builder reads it: the builder's words for its own codes, the shell's for the rest. */
export function builderErrorText(lang: Language, body: { errcode?: string; error?: string }): string {
  const known = body.errcode ? builderText(lang).errors[body.errcode] : undefined;
  if (!known) return apiErrorText(lang, body);
  return lang === 'en' && body.error ? `${known} (${body.error})` : known;
}
