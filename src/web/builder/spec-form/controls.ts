/** The few controls the builder's forms are made of, each labelled (shell fields for text, own markup for boxes and lists). */
import { controlAttributes, fieldBlock, type HtmlValue, html, inputField, type Language, type SafeHtml } from '../../shell/index.ts';

export interface Option {
  value: string;
  label: string;
}

/** A text input; `inLanguage` marks Urdu text right-to-left and English left-to-right whatever the page's language. */
export function textControl(name: string, label: string, value: string, inLanguage?: Language, required = false): SafeHtml {
  const direction = inLanguage ? html`lang="${inLanguage}" dir="${inLanguage === 'ur' ? 'rtl' : 'ltr'}"` : undefined;
  return inputField({ name, label, value, required, ...(direction ? { extra: direction } : {}) });
}

/** A select with its label. */
export function selectControl(name: string, label: string, options: readonly Option[], selected: string): SafeHtml {
  return fieldBlock(
    { name, label },
    html`<select ${controlAttributes({ name, label })}>${options.map(
      (option) => html`<option value="${option.value}"${option.value === selected ? html` selected` : ''}>${option.label}</option>`,
    )}</select>`,
  );
}

/** A select labelled by aria-label (inside a table whose headers say what it is). */
export function gridSelect(name: string, label: string, options: readonly Option[], selected: string): SafeHtml {
  return html`<select id="${name}" name="${name}" aria-label="${label}">${options.map(
    (option) => html`<option value="${option.value}"${option.value === selected ? html` selected` : ''}>${option.label}</option>`,
  )}</select>`;
}

/** A checkbox with its label, on a line of its own. `value` sets the value it sends (several boxes may share a name). */
export function checkbox(name: string, label: string, checked: boolean, value?: string): SafeHtml {
  const id = value === undefined ? name : `${name}-${value.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  return html`<div><input type="checkbox" id="${id}" name="${name}"${value !== undefined ? html` value="${value}"` : ''}${
    checked ? html` checked` : ''
  }> <label for="${id}">${label}</label></div>`;
}

/** A group of checkboxes sharing one name, in a fieldset whose legend says what they choose. */
export function checkboxGroup(name: string, legend: string, options: readonly Option[], checked: ReadonlySet<string>): SafeHtml {
  return html`<fieldset class="choices"><legend>${legend}</legend>${options.map((option) =>
    checkbox(name, option.label, checked.has(option.value), option.value),
  )}</fieldset>`;
}

/** A textarea with its label. */
export function textareaControl(name: string, label: string, value: string, hint?: string): SafeHtml {
  return fieldBlock({ name, label, hint }, html`<textarea ${controlAttributes({ name, label, hint })} rows="4">${value}</textarea>`);
}

/** A hidden value the form carries back. */
export function hidden(name: string, value: string): SafeHtml {
  return html`<input type="hidden" name="${name}" value="${value}">`;
}

/** A bordered group with a legend. */
export function group(legend: HtmlValue, content: HtmlValue, className = 'group'): SafeHtml {
  return html`<fieldset class="${className}"><legend>${legend}</legend>${content}</fieldset>`;
}
