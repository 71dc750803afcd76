/**
 * Glob matching without regular expressions (appendices §Glob-style matching): `*` matches
 * any run of characters, `?` (when asked for) exactly one. Patterns come from users (push
 * rules, filters) and values from other users (message bodies), so the matcher must stay
 * linear in practice: it places the pieces between stars leftmost, greedily — never
 * backtracking — which costs at most (value length × pattern length).
 */
export interface GlobOptions {
  /** Whether `?` matches one character (push rules) or is itself (filters). */
  questionMark: boolean;
  ignoreCase: boolean;
}

type Piece = readonly string[];

/** Whether the pattern matches the whole value. */
export function globMatches(pattern: string, value: string, options: GlobOptions): boolean {
  if (isLiteral(pattern, options)) return options.ignoreCase ? value.toLowerCase() === pattern.toLowerCase() : value === pattern;
  const text = characters(value, options);
  const pieces = piecesOf(pattern, options);
  const first = pieces[0] as Piece;
  if (pieces.length === 1) return text.length === first.length && pieceAt(text, 0, first, options);
  if (!pieceAt(text, 0, first, options)) return false;
  const after = placeMiddle(text, first.length, pieces, options);
  if (after < 0) return false;
  const last = pieces[pieces.length - 1] as Piece;
  const start = text.length - last.length;
  return start >= after && pieceAt(text, start, last, options);
}

/**
 * Whether the pattern matches some part of the value that starts and ends at a word boundary:
 * the start or end of the value, or a character outside [A-Za-z0-9_] (how push rules match
 * `content.body`).
 */
export function globMatchesWords(pattern: string, value: string, options: GlobOptions): boolean {
  if (pattern !== '' && isLiteral(pattern, options)) return literalAtWords(pattern, value, options);
  const text = characters(value, options);
  const pieces = piecesOf(pattern, options);
  const first = pieces[0] as Piece;
  const startsWord = (i: number) => i === 0 || !isWordCharacter(text[i - 1] as string);
  const endsWord = (j: number) => j === text.length || !isWordCharacter(text[j] as string);
  if (pieces.length === 1) {
    for (let i = 0; i + first.length <= text.length; i++) {
      if (startsWord(i) && pieceAt(text, i, first, options) && endsWord(i + first.length)) return true;
    }
    return false;
  }
  // The earliest start leaves the most room for the rest, so it is the only one worth trying.
  let start = -1;
  for (let i = 0; i + first.length <= text.length; i++) {
    if (startsWord(i) && pieceAt(text, i, first, options)) {
      start = i;
      break;
    }
  }
  if (start < 0) return false;
  const after = placeMiddle(text, start + first.length, pieces, options);
  if (after < 0) return false;
  const last = pieces[pieces.length - 1] as Piece;
  for (let q = after; q + last.length <= text.length; q++) {
    if (pieceAt(text, q, last, options) && endsWord(q + last.length)) return true;
  }
  return false;
}

/** Whether the pattern has no wildcard: most push rules' patterns (an event type, `@room`, a name) are plain text. */
function isLiteral(pattern: string, options: GlobOptions): boolean {
  return !pattern.includes('*') && !(options.questionMark && pattern.includes('?'));
}

/**
 * globMatchesWords for a pattern without wildcards, by searching the string. Its indexes count
 * UTF-16 units, not characters, but that changes no answer: the unit beside a match is half of
 * an astral character only when the character is astral, which is no word character either.
 */
function literalAtWords(pattern: string, value: string, options: GlobOptions): boolean {
  const text = options.ignoreCase ? value.toLowerCase() : value;
  const wanted = options.ignoreCase ? pattern.toLowerCase() : pattern;
  for (let i = text.indexOf(wanted); i >= 0; i = text.indexOf(wanted, i + 1)) {
    const end = i + wanted.length;
    if ((i === 0 || !isWordCharacter(text[i - 1] as string)) && (end === text.length || !isWordCharacter(text[end] as string))) return true;
  }
  return false;
}

function isWordCharacter(char: string): boolean {
  return /^[A-Za-z0-9_]$/.test(char);
}

// Push rules match the same patterns against each message body several times over, once per
// rule and reader: the last body's characters and every pattern's pieces are worked out once.
let lastText: { value: string; ignoreCase: boolean; characters: readonly string[] } | undefined;
const patterns = new Map<string, readonly Piece[]>();
const MAX_PATTERNS = 10_000;

function characters(value: string, options: GlobOptions): readonly string[] {
  if (lastText?.value !== value || lastText.ignoreCase !== options.ignoreCase)
    lastText = { value, ignoreCase: options.ignoreCase, characters: [...(options.ignoreCase ? value.toLowerCase() : value)] };
  return lastText.characters;
}

function piecesOf(pattern: string, options: GlobOptions): readonly Piece[] {
  const key = `${options.ignoreCase ? 'i' : 's'}${pattern}`;
  let pieces = patterns.get(key);
  if (!pieces) {
    if (patterns.size >= MAX_PATTERNS) patterns.clear();
    pieces = (options.ignoreCase ? pattern.toLowerCase() : pattern).split('*').map((piece) => [...piece]);
    patterns.set(key, pieces);
  }
  return pieces;
}

/** Places the pieces between the first and the last leftmost from `from`; where the last may start, or -1. */
function placeMiddle(text: readonly string[], from: number, pieces: readonly Piece[], options: GlobOptions): number {
  let position = from;
  for (const piece of pieces.slice(1, -1)) {
    const found = find(text, position, piece, options);
    if (found < 0) return -1;
    position = found + piece.length;
  }
  return position;
}

function find(text: readonly string[], from: number, piece: Piece, options: GlobOptions): number {
  for (let i = from; i + piece.length <= text.length; i++) if (pieceAt(text, i, piece, options)) return i;
  return -1;
}

function pieceAt(text: readonly string[], at: number, piece: Piece, options: GlobOptions): boolean {
  if (at + piece.length > text.length) return false;
  for (let k = 0; k < piece.length; k++) {
    const wanted = piece[k] as string;
    if (wanted !== text[at + k] && !(options.questionMark && wanted === '?')) return false;
  }
  return true;
}
