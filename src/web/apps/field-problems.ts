/**
 * What is wrong with a field, in the person's language: the spec's own rules (the builder's
 * `valueProblem`, the same check the engine makes) and the API's refusals, mapped to the
 * field they name so the message stands next to it.
 */
import type { FieldSpec, ScalarValue } from '../../builder/index.ts';
import { valueProblem } from '../../builder/index.ts';
import { formatDate, formatMoney, formatNumber, type Language } from '../shell/index.ts';
import type { InputProblem } from './field-values.ts';
import { appText } from './messages.ts';

/** A problem the spec's check or the API stated in English, said in the language. */
export function problemText(lang: Language, field: FieldSpec, stated: string): string {
  const t = appText(lang).problems;
  const amount = (n: string) => (field.type === 'money' ? formatMoney(lang, Number(n) / 100) : formatNumber(lang, Number(n)));
  const grab = (pattern: RegExp) => pattern.exec(stated)?.[1];
  if (/is required$/.test(stated)) return t.required;
  const fewest = grab(/at least (\d+) characters/);
  if (fewest !== undefined) return t.atLeastChars(formatNumber(lang, Number(fewest)));
  const most = grab(/at most (\d+) characters/);
  if (most !== undefined) return t.atMostChars(formatNumber(lang, Number(most)));
  const least = grab(/at least (-?\d+)$/);
  if (least !== undefined) return t.atLeast(amount(least));
  const highest = grab(/at most (-?\d+)$/);
  if (highest !== undefined) return t.atMost(amount(highest));
  const earliest = grab(/not before (\S+)$/);
  if (earliest !== undefined) return t.notBefore(formatDate(lang, earliest));
  const latest = grab(/not after (\S+)$/);
  if (latest !== undefined) return t.notAfter(formatDate(lang, latest));
  if (/there is no account/.test(stated)) return t.noAccount;
  if (/there is no .* record/.test(stated)) return t.noRecord;
  if (/must be unique/.test(stated)) return t.unique;
  if (/is full/.test(stated)) return t.full;
  switch (field.type) {
    case 'number':
      return t.whole_number;
    case 'money':
      return t.amount;
    case 'date':
      return t.date;
    case 'datetime':
      return t.datetime;
    case 'yes_no':
      return t.yes_no;
    case 'email':
    case 'phone':
    case 'person':
    case 'reference':
    case 'choice':
    case 'file':
      return t[field.type];
    default:
      return lang === 'en' ? stated : t.required;
  }
}

/** A typed value's problem before the spec's rules: not a number, not a date. */
export function inputProblemText(lang: Language, problem: InputProblem): string {
  return appText(lang).problems[problem];
}

/** The spec's own problem with a value, in the language, or undefined when it is good. */
export function specProblem(lang: Language, field: FieldSpec, value: ScalarValue): string | undefined {
  const stated = valueProblem(field, value);
  return stated === null ? undefined : problemText(lang, field, stated);
}

/**
 * The field an API refusal names (`entity.field: problem`, `entity.field is required`), with
 * the problem in the language; undefined when it names none of the form's fields.
 */
export function refusalOfField(
  lang: Language,
  entity: string,
  fields: readonly FieldSpec[],
  message: string | undefined,
): { field: string; text: string } | undefined {
  const match = new RegExp(`^${entity}\\.([a-z][a-z0-9_]*)(:| )`).exec(message ?? '');
  const field = fields.find((f) => f.name === match?.[1]);
  return field ? { field: field.name, text: problemText(lang, field, message ?? '') } : undefined;
}
