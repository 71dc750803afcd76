/** A Watan node for a benchmark: on a temporary data folder, every rate limit out of the way, nothing logged. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeParts } from '../src/cli/composition.ts';
import { localNodeConfig } from '../src/cli/local-node.ts';
import { type WarmedUp, warmUp } from '../src/cli/warm-up.ts';
import { UNLIMITED_RATE_LIMITS } from '../src/messenger/index.ts';
import { type RunningNode, startNode } from '../src/node/index.ts';

export interface BenchNodeOptions {
  /** Warm the request paths up before listening, as `watan start` does unless told `--no-warm-up`. */
  warmUp?: boolean;
}

export async function startBenchNode(
  name: string,
  options: BenchNodeOptions = {},
): Promise<{ node: RunningNode; warmedUp: WarmedUp | undefined; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), `watan-bench-${name}-`));
  let warmedUp: WarmedUp | undefined;
  const node = await startNode({
    ...localNodeConfig(dir, 'bench'),
    parts: nodeParts({ openRegistration: true, rateLimits: UNLIMITED_RATE_LIMITS }),
    ...(options.warmUp
      ? {
          warmUp: async (logger) => {
            warmedUp = await warmUp(logger);
          },
        }
      : {}),
  });
  return {
    node,
    warmedUp,
    stop: async () => {
      await node.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
