import { canonicalJson, type JsonValue } from './canonical-json.ts';

/** The outcome of one command, as every replica records it and the results root commits to. */
export type CommandOutcome = { ok: true; value: JsonValue } | { ok: false; error: { code: string; message: string; details?: JsonValue } };

export type CommandResult = CommandOutcome & { id: string; height: number; block: number };

/** The bytes a result contributes as a leaf of its block's results tree. */
export function resultLeaf(height: number, id: string, outcome: CommandOutcome): string {
  return canonicalJson({ height, id, ...outcome });
}

export function parseResultLeaf(body: string, block: number): CommandResult {
  return { ...(JSON.parse(body) as CommandOutcome & { id: string; height: number }), block };
}
