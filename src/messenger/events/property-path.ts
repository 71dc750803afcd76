/**
 * Dot-separated property paths (appendices §Dot-separated property paths): `content.body`
 * names `body` inside `content`; `\.` is a dot and `\\` a backslash inside one name; any
 * other backslash is itself.
 */
export function parsePropertyPath(path: string): string[] {
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
  for (const name of path) {
    if (typeof current !== 'object' || current === null || Array.isArray(current) || !Object.hasOwn(current, name)) return undefined;
    current = (current as Record<string, unknown>)[name];
  }
  return current;
}
