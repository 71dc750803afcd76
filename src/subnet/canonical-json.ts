/**
 * Canonical JSON as the Matrix specification defines it (appendix "Canonical JSON"):
 * object keys sorted by code point, no insignificant whitespace, UTF-8, and only integers
 * in the IEEE-754 safe range. The subnet uses the same form for commands, results and
 * checkpoints, so one encoder serves hashing and signing everywhere.
 */

/**
 * The deepest value canonical JSON encodes: room for a request body at the node's limit
 * (MAX_JSON_DEPTH) inside a command's envelope, and few enough levels that the recursive
 * encoder can never exhaust the stack.
 */
export const CANONICAL_MAX_DEPTH = 128;

export class CanonicalJsonError extends Error {
  override name = 'CanonicalJsonError';
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export function canonicalJson(value: unknown): string {
  return encode(value, '', 0);
}

export function canonicalJsonBytes(value: unknown): Buffer {
  return Buffer.from(canonicalJson(value), 'utf8');
}

function encode(value: unknown, path: string, depth: number): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isSafeInteger(value)) {
        throw new CanonicalJsonError(`${path || 'value'} is ${value}: canonical JSON holds only integers between -(2^53)+1 and 2^53-1`);
      }
      return Object.is(value, -0) ? '0' : String(value);
    case 'string':
      return JSON.stringify(value);
    case 'object':
      if (depth === CANONICAL_MAX_DEPTH) {
        throw new CanonicalJsonError(
          `${path || 'value'} nests deeper than ${CANONICAL_MAX_DEPTH} levels, more than canonical JSON here holds`,
        );
      }
      return Array.isArray(value) ? encodeArray(value, path, depth + 1) : encodeObject(value as Record<string, unknown>, path, depth + 1);
    default:
      throw new CanonicalJsonError(`${path || 'value'} is a ${typeof value}, which JSON cannot hold`);
  }
}

function encodeArray(items: unknown[], path: string, depth: number): string {
  const parts: string[] = [];
  // A plain loop visits holes, which map() would skip and leave as invalid JSON.
  for (let i = 0; i < items.length; i++) {
    if (items[i] === undefined) throw new CanonicalJsonError(`${path}[${i}] is empty or undefined, which JSON cannot hold in an array`);
    parts.push(encode(items[i], `${path}[${i}]`, depth));
  }
  return `[${parts.join(',')}]`;
}

function encodeObject(object: Record<string, unknown>, path: string, depth: number): string {
  const proto = Object.getPrototypeOf(object);
  if (proto !== Object.prototype && proto !== null) {
    throw new CanonicalJsonError(`${path || 'value'} is a ${proto?.constructor?.name ?? 'non-plain object'}, not a plain JSON object`);
  }
  const keys = Object.keys(object)
    .filter((key) => object[key] !== undefined)
    .sort(byCodePoint);
  const members = keys.map((key) => `${JSON.stringify(key)}:${encode(object[key], `${path}.${key}`, depth)}`);
  return `{${members.join(',')}}`;
}

/**
 * The specification sorts keys by Unicode code point. JavaScript's default sort compares
 * UTF-16 code units, which puts astral-plane characters (surrogate pairs) before U+E000–U+FFFF.
 */
function byCodePoint(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.codePointAt(i) as number;
    const y = b.codePointAt(i) as number;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}
