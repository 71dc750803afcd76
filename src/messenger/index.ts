/** The National Messenger: a Matrix homeserver running as an app on the subnet. */
import type { NodePart } from '../node/index.ts';
import { messengerApp } from './app/index.ts';
import { registerCapabilities } from './http/capabilities.ts';
import { registerCreateRoom } from './http/create-room.ts';
import { registerFilter } from './http/filter.ts';
import { registerLogin } from './http/login.ts';
import { registerLogout } from './http/logout.ts';
import { registerMembership } from './http/membership.ts';
import { registerPushRules } from './http/push-rules.ts';
import { registerReceipts } from './http/receipts.ts';
import { registerRedact } from './http/redact.ts';
import { registerRegister } from './http/register.ts';
import { registerRoomReads } from './http/room-reads.ts';
import { registerSend } from './http/send.ts';
import { registerSync } from './http/sync.ts';
import { registerTyping } from './http/typing.ts';
import { registerVersions } from './http/versions.ts';
import { registerWellKnown } from './http/well-known.ts';
import { registerWhoami } from './http/whoami.ts';
import { TypingStore } from './typing.ts';

export { messengerApp } from './app/index.ts';

export interface MessengerOptions {
  /** Password registration (development); production accounts come through the identity provider. */
  openRegistration: boolean;
  /** The base URL clients are told to use; by default, the one they reached. */
  publicBaseUrl?: string;
}

export function createMessenger(options: MessengerOptions): NodePart {
  return {
    name: 'messenger',
    apps: [messengerApp],
    registerRoutes(server, node) {
      registerVersions(server);
      registerWellKnown(server, () => options.publicBaseUrl);
      registerLogin(server, node);
      registerRegister(server, node, { open: options.openRegistration });
      registerWhoami(server, node);
      registerLogout(server, node);
      registerCreateRoom(server, node);
      registerMembership(server, node);
      registerSend(server, node);
      registerRoomReads(server, node);
      const typing = new TypingStore();
      registerSync(server, node, typing);
      registerTyping(server, node, typing);
      registerReceipts(server, node);
      registerRedact(server, node);
      registerFilter(server, node);
      registerCapabilities(server, node);
      registerPushRules(server, node);
    },
  };
}
