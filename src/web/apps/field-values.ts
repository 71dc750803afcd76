/**
 * Field values between a form and the API: what a person typed becomes the value the spec
 * stores (whole numbers, paisa, UTC date-times, true/false), and stored values become text a
 * person reads in their language.
 */
import type { FieldSpec, ScalarValue } from '../../builder/index.ts';
import { formatDate, formatDateTime, formatMoney, formatNumber, type Language, labelIn } from '../shell/index.ts';

/** Pakistan keeps UTC+5 all year; a date-time typed in a form is Pakistan time. */
const PAKISTAN_OFFSET_MS = 5 * 3600 * 1000;

/** Digits of any script Urdu readers type (Extended Arabic-Indic, Arabic-Indic) as ASCII digits. */
export function asciiDigits(text: string): string {
  return text.replace(/[\u06F0-\u06F9\u0660-\u0669]/g, (digit) => String((digit.codePointAt(0) ?? 0) & 0xf));
}

/** Why typed text is not a value of the field's type (before the spec's own rules are checked). */
export type InputProblem = 'whole_number' | 'amount' | 'date' | 'datetime' | 'yes_no';

export type ParsedInput = { value: ScalarValue | null } | { problem: InputProblem };

/**
 * The stored value of what was typed into a field's control; `null` when left empty. File and
 * reference controls give their value as text (a hash, a record id).
 */
export function parseInput(field: FieldSpec, typed: string): ParsedInput {
  const text = field.type === 'long_text' ? typed.replace(/\r\n/g, '\n') : typed.trim();
  if (text === '') return { value: null };
  switch (field.type) {
    case 'number': {
      const digits = asciiDigits(text).replace(/[,٬\s]/g, '');
      return /^-?\d{1,15}$/.test(digits) ? { value: Number(digits) } : { problem: 'whole_number' };
    }
    case 'money': {
      const amount = /^(-?\d{1,13})(?:[.٫](\d{1,2}))?$/.exec(
        asciiDigits(text)
          .replace(/[,٬\s]/g, '')
          .replace(/^rs\.?/i, ''),
      );
      if (!amount) return { problem: 'amount' };
      const whole = amount[1] ?? '0';
      const sign = whole.startsWith('-') ? -1 : 1;
      return { value: sign * (Math.abs(Number(whole)) * 100 + Number((amount[2] ?? '').padEnd(2, '0'))) };
    }
    case 'date':
      return /^\d{4}-\d{2}-\d{2}$/.test(asciiDigits(text)) ? { value: asciiDigits(text) } : { problem: 'date' };
    case 'datetime': {
      const local = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2})?$/.exec(asciiDigits(text));
      if (!local) return { problem: 'datetime' };
      const moment = Date.parse(`${local[1]}T${local[2]}${local[3] ?? ':00'}Z`) - PAKISTAN_OFFSET_MS;
      return Number.isNaN(moment) ? { problem: 'datetime' } : { value: new Date(moment).toISOString().replace(/\.\d{3}Z$/, 'Z') };
    }
    case 'yes_no':
      return text === 'yes' ? { value: true } : text === 'no' ? { value: false } : { problem: 'yes_no' };
    default:
      return { value: text };
  }
}

/** A stored value as a form control's value (what `parseInput` reads back). */
export function inputValueOf(field: FieldSpec, value: ScalarValue | undefined): string {
  if (value === undefined) return '';
  switch (field.type) {
    case 'money': {
      const paisa = Number(value);
      const rupees = Math.trunc(paisa / 100);
      const rest = Math.abs(paisa % 100);
      return rest === 0 ? String(rupees) : `${paisa < 0 && rupees === 0 ? '-' : ''}${rupees}.${String(rest).padStart(2, '0')}`;
    }
    case 'datetime': {
      const moment = Date.parse(String(value));
      return Number.isNaN(moment) ? String(value) : new Date(moment + PAKISTAN_OFFSET_MS).toISOString().slice(0, 16);
    }
    case 'yes_no':
      return value === true ? 'yes' : value === false ? 'no' : '';
    default:
      return String(value);
  }
}

/** A stored value as a person reads it in their language. */
export function displayValue(lang: Language, field: FieldSpec, value: ScalarValue | undefined, yesNo: { yes: string; no: string }): string {
  if (value === undefined || value === '') return '';
  switch (field.type) {
    case 'number':
      return typeof value === 'number' ? formatNumber(lang, value) : String(value);
    case 'money':
      return typeof value === 'number' ? formatMoney(lang, value / 100) : String(value);
    case 'date':
      return formatDate(lang, String(value));
    case 'datetime':
      return formatDateTime(lang, String(value));
    case 'yes_no':
      return value === true ? yesNo.yes : yesNo.no;
    case 'choice':
      return labelIn(field.choices?.find((choice) => choice.value === value)?.label, lang) || String(value);
    case 'reference':
      return `#${lang === 'ur' ? formatNumber(lang, Number(value)) : value}`;
    default:
      return String(value);
  }
}
