import { type Meaning, phraseAt } from './lexicon/index.ts';
import { wordsOf } from './words.ts';

/** A phrase of the description the lexicon knows, where it stood. */
export interface Mention {
  meanings: Meaning[];
  /** Index of its first word. */
  at: number;
  clause: number;
  part: number;
  text: string;
}

/** A number in the text ("30 seats"); used only when a rule claims it, reported otherwise. */
export interface NumberMention {
  value: number;
  at: number;
  clause: number;
  text: string;
}

/** The description read word by word: what the lexicon knows, the numbers, and the runs of words it does not. */
export interface Reading {
  mentions: Mention[];
  numbers: NumberMention[];
  /** Runs of consecutive unknown words, as written. */
  unknown: { text: string; at: number }[];
}

export function read(description: string): Reading {
  const words = wordsOf(description);
  const keys = words.map((w) => w.key);
  const reading: Reading = { mentions: [], numbers: [], unknown: [] };
  let run: { text: string[]; at: number } | undefined;
  const endRun = () => {
    if (run) reading.unknown.push({ text: run.text.join(' '), at: run.at });
    run = undefined;
  };
  for (let i = 0; i < words.length; ) {
    const word = words[i] as (typeof words)[number];
    if (/^\d+$/.test(word.key)) {
      endRun();
      reading.numbers.push({ value: Number(word.key), at: i, clause: word.clause, text: word.text });
      i++;
      continue;
    }
    const phrase = phraseAt(keys, i);
    if (!phrase) {
      if (run && run.at + run.text.length === i && words[i - 1]?.clause === word.clause) run.text.push(word.text);
      else {
        endRun();
        run = { text: [word.text], at: i };
      }
      i++;
      continue;
    }
    endRun();
    const text = words
      .slice(i, i + phrase.keys.length)
      .map((w) => w.text)
      .join(' ');
    if (!phrase.meanings.every((m) => m.kind === 'quiet')) {
      reading.mentions.push({
        meanings: phrase.meanings.filter((m) => m.kind !== 'quiet'),
        at: i,
        clause: word.clause,
        part: word.part,
        text,
      });
    }
    i += phrase.keys.length;
  }
  endRun();
  return reading;
}
