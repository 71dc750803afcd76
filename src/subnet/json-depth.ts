/**
 * How deeply JSON may nest. Parsing is iterative in V8, but encoding (JSON.stringify,
 * canonical JSON) recurses, and a few thousand levels overflow the stack: one stored value
 * nested that deep would fail every answer that carries it. So depth is bounded where JSON
 * comes in, and checked, wherever it is, by a walk that goes no deeper than the bound.
 */

/**
 * The deepest request body (and event content) the node accepts, counting the outermost
 * object as level 1. Real Matrix content nests a handful of levels (a power-levels event
 * three, an encrypted event four); 100 is generous and far below where encoding breaks.
 */
export const MAX_JSON_DEPTH = 100;

/**
 * Whether `value` nests at most `levels` levels of objects and arrays (a scalar none, `{}` or
 * `[]` one). Every request body and every reply is checked, so the walk allocates nothing; it
 * recurses at most `levels` deep, so a hostile value costs no more stack than the bound allows.
 */
export function nestsWithin(value: unknown, levels: number): boolean {
  if (value === null || typeof value !== 'object') return true;
  if (levels === 0) return false;
  if (Array.isArray(value)) {
    // Indexed, not for…of: an array iterator here is an allocation per array per reply.
    for (let i = 0; i < value.length; i++) if (!nestsWithin(value[i], levels - 1)) return false;
    return true;
  }
  for (const key in value) if (!nestsWithin((value as Record<string, unknown>)[key], levels - 1)) return false;
  return true;
}
