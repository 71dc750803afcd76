/** A Watan node for a benchmark: on a temporary data folder, every rate limit out of the way, nothing logged. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeParts } from '../src/cli/composition.ts';
import { DEFAULT_RATE_LIMITS } from '../src/messenger/index.ts';
import { createLogger, type RunningNode, startNode } from '../src/node/index.ts';

export async function startBenchNode(name: string): Promise<{ node: RunningNode; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), `watan-bench-${name}-`));
  const node = await startNode({
    dataDir: dir,
    port: 0,
    host: '127.0.0.1',
    serverName: 'localhost',
    dev: true,
    facts: { operator: 'bench', dataCentre: 'local', province: 'Punjab', jurisdiction: 'PK' },
    parts: nodeParts({
      openRegistration: true,
      rateLimits: {
        authPerMinute: 1e9,
        sendsPer10Seconds: 1e9,
        userActions: Object.fromEntries(
          Object.keys(DEFAULT_RATE_LIMITS.userActions).map((action) => [action, { max: 1e9, windowMs: 1_000 }]),
        ),
      },
    }),
    logger: createLogger({ level: 'silent' }),
    // Every simulated user connects from this one loopback address.
    connectionLimits: { perAddress: 1e9 },
  });
  return {
    node,
    stop: async () => {
      await node.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
