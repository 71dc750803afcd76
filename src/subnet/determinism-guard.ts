/**
 * While app code runs in the executor, the ambient sources of nondeterminism throw instead
 * of answering, so a forbidden call fails loudly on the first replica that runs it rather
 * than forking replicas silently. The executor is synchronous, so nothing else runs while
 * the guard is up. The linter catches the same calls before they are ever run.
 */
export class DeterminismError extends Error {
  override name = 'DeterminismError';
}

interface Patch {
  target: object;
  key: string;
  original: unknown;
}

function forbidden(what: string, instead: string): () => never {
  return () => {
    throw new DeterminismError(`${what} is not allowed in app code (DESIGN.md §3); use ${instead}`);
  };
}

const REPLACEMENTS: ReadonlyArray<[object, string, () => never]> = [
  [Date, 'now', forbidden('Date.now()', 'ctx.time')],
  [Math, 'random', forbidden('Math.random()', 'ctx.random')],
  [globalThis.performance, 'now', forbidden('performance.now()', 'ctx.time')],
  [globalThis.crypto, 'getRandomValues', forbidden('crypto.getRandomValues()', 'ctx.random')],
  [globalThis.crypto, 'randomUUID', forbidden('crypto.randomUUID()', 'ctx.random')],
  [globalThis, 'fetch', forbidden('fetch()', 'nothing: apps make no network calls')],
  [globalThis, 'setTimeout', forbidden('setTimeout()', 'nothing: app methods run to completion')],
  [globalThis, 'setInterval', forbidden('setInterval()', 'nothing: app methods run to completion')],
];

/** Runs `fn` with the guard up, and always takes it down again. */
export function withDeterminismGuard<T>(fn: () => T): T {
  const patches: Patch[] = REPLACEMENTS.map(([target, key, replacement]) => {
    const original = (target as Record<string, unknown>)[key];
    Object.defineProperty(target, key, { value: replacement, configurable: true, writable: true });
    return { target, key, original };
  });
  try {
    return fn();
  } finally {
    for (const { target, key, original } of patches) {
      Object.defineProperty(target, key, { value: original, configurable: true, writable: true });
    }
  }
}
