import { canonicalJson } from './canonical-json.ts';
import type { ExecutorPosition, StoredResult } from './state-db.ts';
import { encodeRowElement, type TableSpec } from './table.ts';

/**
 * The executor's own records — each block's results, the command ids it claimed, where the
 * executor stands and its time — are state too: a replica that installs a snapshot needs them
 * to answer results and refuse repeats, and an edited result must be caught like an edited
 * row. They enter the state digest as elements of a namespace no app can take (app names are
 * identifiers, this one holds a slash), once per block, so they cost O(blocks), not O(commands).
 */
const NAMESPACE = 'watan/executor';

const RESULTS: TableSpec = {
  name: 'results',
  columns: { block: 'integer', first_height: 'integer', bodies: 'text', digests: 'blob' },
  primaryKey: ['block'],
};
const COMMAND_IDS: TableSpec = { name: 'command_ids', columns: { block: 'integer', ids: 'text' }, primaryKey: ['block'] };
const POSITION: TableSpec = {
  name: 'position',
  columns: { height: 'integer', block: 'integer', log_head: 'blob', time: 'integer' },
  primaryKey: ['height'],
};

/** A block's results row, as stored: bodies joined by newlines, per-command digests concatenated. */
export function resultsElement(block: number, firstHeight: number, bodies: string, digests: Uint8Array): Buffer {
  return encodeRowElement(NAMESPACE, RESULTS, { block, first_height: firstHeight, bodies, digests });
}

export function resultsRowOf(results: readonly StoredResult[]): { bodies: string; digests: Buffer } {
  return { bodies: results.map((result) => result.body).join('\n'), digests: Buffer.concat(results.map((result) => result.digest)) };
}

/** The command ids first claimed in `block`, in log order (a repeat claims nothing). */
export function commandIdsElement(block: number, claimed: readonly { id: string; height: number }[]): Buffer {
  return encodeRowElement(NAMESPACE, COMMAND_IDS, { block, ids: canonicalJson(claimed.map(({ id, height }) => [id, height])) });
}

export function positionElement(position: Pick<ExecutorPosition, 'height' | 'block' | 'logHead' | 'time'>): Buffer {
  return encodeRowElement(NAMESPACE, POSITION, {
    height: position.height,
    block: position.block,
    log_head: position.logHead,
    time: position.time,
  });
}
