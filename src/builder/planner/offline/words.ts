/**
 * Words of a description, normalised so one lexicon serves English, Roman Urdu and Urdu in
 * Arabic script: lower case, Arabic letter variants folded to their Urdu forms, diacritics and
 * apostrophes dropped, hyphens and punctuation as word breaks. Each word remembers its clause
 * (punctuation and "then" end one) because who does what is read clause by clause.
 */
export interface Word {
  /** The normalised form the lexicon is keyed by. */
  key: string;
  /** As written, for naming what was not understood. */
  text: string;
  clause: number;
  /** Clauses split further at "and" ("… approve or reject and the employee is told"): who does what is read part by part. */
  part: number;
}

const LETTER_VARIANTS: Record<string, string> = { ي: 'ی', ى: 'ی', ك: 'ک', ه: 'ہ', ة: 'ہ', ۀ: 'ہ', أ: 'ا', إ: 'ا', آ: 'آ' };
/** Harakat, superscript alef, tatweel and zero-width joiners: written or not, the word is the same. */
const MARKS = /[\u064B-\u065F\u0670\u0640]|\u200C|\u200D|\u200E|\u200F/g;
const CLAUSE_END = /^[,;.!?:،؛۔؟\n]+$/;

export function normalise(text: string): string {
  return text
    .normalize('NFC')
    .toLowerCase()
    .replace(MARKS, '')
    .replace(/[يىكهةۀأإ]/g, (letter) => LETTER_VARIANTS[letter] ?? letter)
    .replace(/['’‘`]/g, '');
}

/** The description's words in order, with clause numbers. */
export function wordsOf(description: string): Word[] {
  const words: Word[] = [];
  let clause = 0;
  let part = 0;
  // Runs of letters/digits, or a run of clause-ending punctuation (kept only to count clauses).
  for (const [piece] of description.matchAll(/[\p{L}\p{M}\p{N}'’‘`]+|[,;.!?:،؛۔؟\n]+/gu)) {
    if (CLAUSE_END.test(piece)) {
      clause++;
      part++;
      continue;
    }
    const key = normalise(piece).replace(/[۰-۹]/g, (digit) => String(digit.charCodeAt(0) - 0x06f0));
    if (key === 'then' || key === 'phir' || key === 'پھر') {
      clause++;
      part++;
    }
    if (key === 'and' || key === 'aur' || key === 'اور') part++;
    words.push({ key, text: piece, clause, part });
  }
  return words;
}
