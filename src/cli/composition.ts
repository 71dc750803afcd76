import { createMessenger, messengerApp, type RateLimits } from '../messenger/index.ts';
import type { NodePart } from '../node/index.ts';
import { coreApps } from '../subnet/index.ts';

/** Every app a Watan node runs; an audit must know them all to recompute the digest. */
export const allApps = [...coreApps, messengerApp];

export interface PartOptions {
  openRegistration: boolean;
  rateLimits: RateLimits;
}

/** The parts a Watan node runs beside the subnet. */
export function nodeParts(options: PartOptions): NodePart[] {
  return [createMessenger({ openRegistration: options.openRegistration, rateLimits: options.rateLimits })];
}
