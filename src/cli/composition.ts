import { builderApp, createBuilder } from '../builder/index.ts';
import { createMessenger, type MessengerOptions, messengerApp } from '../messenger/index.ts';
import type { NodePart } from '../node/index.ts';
import { coreApps } from '../subnet/index.ts';
import { createWeb, type WebOptions } from '../web/index.ts';

/** Every app a Watan node runs; an audit must know them all to recompute the digest. */
export const allApps = [...coreApps, messengerApp, builderApp];

/** The parts a Watan node runs beside the subnet. */
export function nodeParts(messenger: MessengerOptions, web: WebOptions = {}): NodePart[] {
  return [createMessenger(messenger), createBuilder(), createWeb(web)];
}
