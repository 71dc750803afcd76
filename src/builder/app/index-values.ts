import type { EntitySpec, FieldSpec, ScalarValue } from '../spec/index.ts';
import type { Fields } from '../upgrade/index.ts';

/** Fields lists may filter and sort on: all but long text and files. */
export function indexedFields(entity: EntitySpec): FieldSpec[] {
  return entity.fields.filter((field) => field.type !== 'long_text' && field.type !== 'file');
}

/**
 * A value as index text whose byte order is the value's order: numbers as the bits of their
 * float64 with the sign folded (so -2 < -1 < 0 < 1.5), yes/no as 0/1, text as itself. An empty
 * value is "" and sorts first, so a list sorted on a field still shows records that lack it.
 */
export function indexValue(value: ScalarValue | undefined): string {
  if (value === undefined || value === '') return '';
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'string') return value;
  const bytes = Buffer.alloc(8);
  bytes.writeDoubleBE(value === 0 ? 0 : value);
  if (bytes[0] !== undefined && bytes[0] & 0x80) for (let i = 0; i < 8; i++) bytes[i] = ~(bytes[i] as number) & 0xff;
  else bytes[0] = (bytes[0] as number) | 0x80;
  return `#${bytes.toString('hex')}`;
}

/** Searchable fields of an entity: those any of the spec's list views search. */
export function searchTerms(fields: Fields, searchable: readonly string[]): string[] {
  const terms = new Set<string>();
  for (const name of searchable) {
    const value = fields[name];
    if (value === undefined) continue;
    for (const word of wordsOf(String(value))) terms.add(word);
  }
  return [...terms].sort();
}

/** Lower-cased words, letters and digits of any script, at most 40 characters each. */
export function wordsOf(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).map((word) => word.slice(0, 40)).slice(0, 200);
}
