/**
 * Dot-separated property paths (appendices §Dot-separated property paths): `content.body`
 * names `body` inside `content`; `\.` is a dot and `\\` a backslash inside one name; any
 * other backslash is itself.
 */
export function parsePropertyPath(path: string): readonly string[] {
  let names = parsed.get(path);
  if (!names) {
    if (parsed.size >= MAX_PARSED) parsed.clear();
    names = Object.freeze(parseNames(path));
    parsed.set(path, names);
  }
  return names;
}

// Push rules ask for the same few paths for every event and every reader: each is parsed once.
const parsed = new Map<string, readonly string[]>();
const MAX_PARSED = 10_000;

function parseNames(path: string): string[] {
  const names: string[] = [];
  let name = '';
  for (let i = 0; i < path.length; i++) {
    const char = path[i] as string;
    const next = path[i + 1];
    if (char === '\\' && (next === '.' || next === '\\')) {
      name += next;
      i++;
    } else if (char === '.') {
      names.push(name);
      name = '';
    } else {
      name += char;
    }
  }
  names.push(name);
  return names;
}

/** The value at `path` inside `value`, or undefined where any step is missing or not an object. */
export function propertyAt(value: unknown, path: readonly string[]): unknown {
  let current = value;
  // Indexed, not for…of: push rules walk paths for every reader of every event, and a frozen array's iterator is an allocation.
  for (let i = 0; i < path.length; i++) {
    const name = path[i] as string;
    if (typeof current !== 'object' || current === null || Array.isArray(current) || !Object.hasOwn(current, name)) return undefined;
    current = (current as Record<string, unknown>)[name];
  }
  return current;
}
