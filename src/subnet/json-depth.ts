/**
 * How deeply JSON may nest. Parsing is iterative in V8, but encoding (JSON.stringify,
 * canonical JSON) recurses, and a few thousand levels overflow the stack: one stored value
 * nested that deep would fail every answer that carries it. So depth is bounded where JSON
 * comes in, and measured without recursion wherever it is checked.
 */

/**
 * The deepest request body (and event content) the node accepts, counting the outermost
 * object as level 1. Real Matrix content nests a handful of levels (a power-levels event
 * three, an encrypted event four); 100 is generous and far below where encoding breaks.
 */
export const MAX_JSON_DEPTH = 100;

/**
 * How deep `value` nests (a scalar 0, `{}` or `[]` 1), measured level by level without
 * recursion; stops counting at `stopAfter + 1`, so a hostile value costs no more than needed.
 */
export function jsonDepth(value: unknown, stopAfter = Number.POSITIVE_INFINITY): number {
  let level: unknown[] = isContainer(value) ? [value] : [];
  let depth = 0;
  while (level.length > 0 && depth <= stopAfter) {
    depth++;
    const next: unknown[] = [];
    for (const container of level) {
      for (const child of Object.values(container as object)) if (isContainer(child)) next.push(child);
    }
    level = next;
  }
  return depth;
}

function isContainer(value: unknown): value is object {
  return value !== null && typeof value === 'object';
}
