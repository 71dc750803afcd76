/** The form control of each field type, labelled, with its hint and error linked to it. */
import type { FieldSpec } from '../../builder/index.ts';
import { controlAttributes, fieldBlock, html, type Language, labelIn, type SafeHtml } from '../shell/index.ts';
import { appText } from './messages.ts';

/** A record another field may point at, as a reference control offers it. */
export interface ReferenceOption {
  id: string;
  label: string;
}

export interface ControlInput {
  lang: Language;
  field: FieldSpec;
  /** The control's current text (what `inputValueOf` gives for a stored value, or what was typed). */
  value: string;
  error?: string | undefined;
  /** Reference fields: the records to choose from; without them the control takes a record number. */
  options?: readonly ReferenceOption[] | undefined;
  /** File fields: a file is already attached. */
  hasFile?: boolean;
}

function option(value: string, label: string, selected: boolean): SafeHtml {
  return html`<option value="${value}"${selected ? html` selected` : ''}>${label}</option>`;
}

/** The labelled control of a field. */
export function fieldControl(input: ControlInput): SafeHtml {
  const { lang, field, value } = input;
  const t = appText(lang);
  const hint = field.type === 'person' ? t.personHint : field.type === 'money' ? t.moneyHint : input.hasFile ? t.keepFile : undefined;
  const parts = { name: field.name, label: labelIn(field.label, lang), hint, error: input.error, required: field.required === true };
  const attributes = controlAttributes(parts);
  const bound = (name: 'min' | 'max') => {
    const limit = field[name];
    if (limit === undefined) return '';
    if (field.type === 'date' && typeof limit === 'string') return html` ${name}="${limit}"`;
    if (field.type === 'long_text' || field.type === 'text')
      return name === 'max' && typeof limit === 'number' ? html` maxlength="${limit}"` : '';
    return '';
  };
  let control: SafeHtml;
  switch (field.type) {
    case 'long_text':
      control = html`<textarea ${attributes}${bound('max')}>${value}</textarea>`;
      break;
    case 'choice':
      control = html`<select ${attributes}>${option('', t.choose, value === '')}${(field.choices ?? []).map((choice) =>
        option(choice.value, labelIn(choice.label, lang), choice.value === value),
      )}</select>`;
      break;
    case 'yes_no':
      control = html`<select ${attributes}>${option('', t.choose, value === '')}${option('yes', t.yes, value === 'yes')}${option(
        'no',
        t.no,
        value === 'no',
      )}</select>`;
      break;
    case 'reference':
      control = input.options
        ? html`<select ${attributes}>${option('', t.choose, value === '')}${input.options.map((choice) =>
            option(choice.id, choice.label, choice.id === value),
          )}</select>`
        : html`<input type="text" inputmode="numeric" ${attributes} value="${value}">`;
      break;
    case 'file':
      control = html`<input type="file" ${controlAttributes({ ...parts, required: parts.required && !input.hasFile })}>`;
      break;
    case 'number':
      control = html`<input type="text" inputmode="numeric" ${attributes} value="${value}">`;
      break;
    case 'money':
      control = html`<input type="text" inputmode="decimal" ${attributes} value="${value}">`;
      break;
    case 'date':
      control = html`<input type="date" ${attributes} value="${value}"${bound('min')}${bound('max')}>`;
      break;
    case 'datetime':
      control = html`<input type="datetime-local" ${attributes} value="${value}">`;
      break;
    case 'email':
      control = html`<input type="email" autocomplete="email" ${attributes} value="${value}">`;
      break;
    case 'phone':
      control = html`<input type="tel" autocomplete="tel" ${attributes} value="${value}">`;
      break;
    case 'person':
      control = html`<input type="text" autocapitalize="none" spellcheck="false" ${attributes} value="${value}">`;
      break;
    default:
      control = html`<input type="text" ${attributes} value="${value}"${bound('max')}>`;
  }
  return fieldBlock(parts, control);
}
