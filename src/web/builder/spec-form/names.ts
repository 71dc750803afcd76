/**
 * The names of the editable form's controls, in one place for the form that writes them and
 * the reader that reads them back. Rows are numbered in the order the spec lists them; a row
 * past the last is the blank one where a person adds a new item.
 */
export const formNames = {
  slug: 'slug',
  name: (lang: string) => `name_${lang}`,
  description: (lang: string) => `description_${lang}`,
  role: (i: number, part: 'was' | 'en' | 'ur' | 'holders' | 'remove') => `role_${i}_${part}`,
  entity: (e: number, part: 'was' | 'en' | 'ur' | 'remove') => `entity_${e}_${part}`,
  field: (e: number, f: number, part: 'was' | 'en' | 'ur' | 'type' | 'required' | 'choices' | 'target' | 'remove') =>
    `entity_${e}_field_${f}_${part}`,
  workflow: (e: number, part: 'field' | 'initial') => `entity_${e}_workflow_${part}`,
  transition: (e: number, t: number, part: 'was' | 'en' | 'ur' | 'from' | 'to' | 'roles' | 'remove') =>
    `entity_${e}_transition_${t}_${part}`,
  /** One select per role row (or `owner`), entity row and action: nothing, own records, or all. */
  grant: (role: number | 'owner', e: number, action: string) => `grant_${role}_${e}_${action}`,
  /** A permission with conditions, kept as it is unless this box is ticked. */
  conditionalRemove: (i: number) => `conditional_${i}_remove`,
  notification: (n: number, part: 'was' | 'entity' | 'on' | 'to' | 'en' | 'ur' | 'remove') => `notification_${n}_${part}`,
} as const;

/**
 * A machine name for a new item from its English label ("Phone number" → phone_number),
 * unique among `taken` (a digit is added when it is not).
 */
export function machineName(label: string, taken: ReadonlySet<string>, fallback: string): string {
  let base = label
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^[^a-z]+/, '')
    .replace(/_+$/, '')
    .slice(0, 36);
  if (base === '') base = fallback;
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}_${n}`;
  return name;
}
