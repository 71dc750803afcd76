/**
 * One form field: its label, its control, a hint and the error the API gave for it, linked
 * with aria-describedby so a screen reader reads the error with the field.
 */
import { type HtmlValue, html, type SafeHtml } from './html.ts';

export interface FieldParts {
  /** The control's id and name. */
  name: string;
  label: string;
  hint?: string | undefined;
  error?: string | undefined;
  required?: boolean;
}

/** The ids of the hint and error of a field, for `aria-describedby`. */
export function describedBy(field: FieldParts): string | undefined {
  const ids = [field.hint ? `${field.name}-hint` : '', field.error ? `${field.name}-error` : ''].filter(Boolean);
  return ids.length > 0 ? ids.join(' ') : undefined;
}

/** The attributes every control of a field carries: id, name, required, aria-invalid, aria-describedby. */
export function controlAttributes(field: FieldParts): SafeHtml {
  const described = describedBy(field);
  return html`id="${field.name}" name="${field.name}"${field.required ? html` required` : ''}${field.error ? html` aria-invalid="true"` : ''}${
    described ? html` aria-describedby="${described}"` : ''
  }`;
}

/** A field around a control made with `controlAttributes(field)`. */
export function fieldBlock(field: FieldParts, control: HtmlValue): SafeHtml {
  return html`<div class="field">
<label for="${field.name}">${field.label}</label>
${field.hint ? html`<span class="hint" id="${field.name}-hint">${field.hint}</span>` : ''}
${control}
${field.error ? html`<p class="field-error" id="${field.name}-error">${field.error}</p>` : ''}
</div>`;
}

export interface InputField extends FieldParts {
  type?: string;
  value?: string | undefined;
  autocomplete?: string;
  /** Further attributes, already safe (`html\`min="0"\``). */
  extra?: SafeHtml;
}

/** A labelled `<input>`. */
export function inputField(field: InputField): SafeHtml {
  return fieldBlock(
    field,
    html`<input type="${field.type ?? 'text'}" ${controlAttributes(field)}${field.value !== undefined ? html` value="${field.value}"` : ''}${
      field.autocomplete ? html` autocomplete="${field.autocomplete}"` : ''
    }${field.extra ? html` ${field.extra}` : ''}>`,
  );
}
