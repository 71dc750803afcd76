import { apiErrorText, type Language } from '../shell/index.ts';
import { builderText } from './messages.ts';

/**
 * An API refusal in an area's own words where it knows the errcode (`known`, that area's
 * catalogue in the person's language), the shell's otherwise. English readers also get the
 * API's reason, which names the thing refused.
 */
export function refusalText(known: Record<string, string>, lang: Language, body: { errcode?: string; error?: string }): string {
  const words = body.errcode ? known[body.errcode] : undefined;
  if (!words) return apiErrorText(lang, body);
  return lang === 'en' && body.error ? `${words} (${body.error})` : words;
}

/** An API refusal as a builder reads it. */
export function builderErrorText(lang: Language, body: { errcode?: string; error?: string }): string {
  return refusalText(builderText(lang).errors, lang, body);
}
