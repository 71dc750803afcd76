/**
 * Before a node listens it warms its busiest request paths up (src/messenger/warm-up.ts says
 * why) on a throwaway development node: in a temporary folder, on a loopback port of its own,
 * with accounts and a room that exist nowhere else. Nothing of it outlives the warm-up: the
 * folder goes, and the throwaway node's key with it. A warm-up that fails is logged and the
 * node starts all the same: it costs the first clients speed, never service.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import {
  DEFAULT_WARM_UP_LOAD,
  UNLIMITED_RATE_LIMITS,
  WarmUpError,
  type WarmUpLoad,
  type WarmUpReport,
  warmUpMessenger,
} from '../messenger/index.ts';
import { startNode } from '../node/index.ts';
import { nodeParts } from './composition.ts';
import { localNodeConfig } from './local-node.ts';

/** Far beyond the few seconds a warm-up takes even on a busy machine. */
const WARM_UP_TIMEOUT_MS = 60_000;

export interface WarmedUp extends WarmUpReport {
  /** From the start of the throwaway node to its folder's removal. */
  ms: number;
}

/** Runs the warm-up; undefined (and a warning in `logger`) when it could not finish. */
export async function warmUp(logger: Logger, load: WarmUpLoad = DEFAULT_WARM_UP_LOAD): Promise<WarmedUp | undefined> {
  const started = performance.now();
  let dataDir: string | undefined;
  try {
    dataDir = await mkdtemp(join(tmpdir(), 'watan-warm-up-'));
    const node = await startNode({
      ...localNodeConfig(dataDir, 'warm-up'),
      parts: nodeParts({ openRegistration: false, rateLimits: UNLIMITED_RATE_LIMITS }),
    });
    let report: WarmUpReport;
    let timer: NodeJS.Timeout | undefined;
    try {
      const driven = warmUpMessenger({ url: node.url, subnet: node.subnet, serverName: 'localhost' }, load);
      // A warm-up that outlives its bound is given up; closing its node ends what it still waits for.
      driven.catch(() => {});
      const overdue = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new WarmUpError(`it took longer than ${WARM_UP_TIMEOUT_MS / 1000} s`)), WARM_UP_TIMEOUT_MS);
      });
      report = await Promise.race([driven, overdue]);
    } finally {
      clearTimeout(timer);
      await node.close();
    }
    const warmed = { ...report, ms: Math.round(performance.now() - started) };
    logger.info(warmed, 'warmed the request paths up on a throwaway node');
    return warmed;
  } catch (error) {
    logger.warn({ reason: (error as Error).message }, 'the warm-up did not finish; the node starts without it');
    return undefined;
  } finally {
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  }
}
