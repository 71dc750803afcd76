/**
 * JSON with object keys sorted, so equal values always give equal text (for storage, digests
 * and comparison). Unlike the subnet's canonical JSON it keeps fractions: a spec's limits and
 * a record's money may have them, and ECMAScript fixes how a number prints, on every replica.
 */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return item;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(item).sort()) sorted[key] = (item as Record<string, unknown>)[key];
    return sorted;
  });
}
