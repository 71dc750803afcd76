/** The National Messenger: a Matrix homeserver running as an app on the subnet. */
import type { NodePart } from '../node/index.ts';
import { messengerApp } from './app/index.ts';
import { registerAccount } from './http/account.ts';
import { registerAccountData, registerTags } from './http/account-data.ts';
import { registerCapabilities } from './http/capabilities.ts';
import { registerCreateRoom } from './http/create-room.ts';
import { registerDevices } from './http/devices.ts';
import { registerDirectory } from './http/directory.ts';
import { registerFilter } from './http/filter.ts';
import { registerLogin } from './http/login.ts';
import { registerLogout } from './http/logout.ts';
import { registerMembership } from './http/membership.ts';
import { PasswordStage } from './http/password-stage.ts';
import { registerProfile } from './http/profile.ts';
import { registerPushRules } from './http/push-rules.ts';
import { DEFAULT_RATE_LIMITS, type RateLimits, useRateLimits } from './http/rate-limits.ts';
import { registerReceipts } from './http/receipts.ts';
import { registerRedact } from './http/redact.ts';
import { registerRegister } from './http/register.ts';
import { registerRoomReads } from './http/room-reads.ts';
import { registerSend } from './http/send.ts';
import { DEFAULT_ACCESS_TOKEN_LIFETIME_MS } from './http/session-tokens.ts';
import { registerSync } from './http/sync.ts';
import { registerTyping } from './http/typing.ts';
import { registerVersions } from './http/versions.ts';
import { registerWellKnown } from './http/well-known.ts';
import { registerWhoami } from './http/whoami.ts';
import { TypingStore } from './typing.ts';

export { messengerApp } from './app/index.ts';
export { DEFAULT_RATE_LIMITS, type RateLimits } from './http/rate-limits.ts';

export interface MessengerOptions {
  /** Per-client request limits; the defaults suit people (see http/rate-limits.ts). */
  rateLimits?: RateLimits;
  /** Password registration (development); production accounts come through the identity provider. */
  openRegistration: boolean;
  /** Lifetime of access tokens for clients that take refresh tokens (default 5 minutes). */
  accessTokenLifetimeMs?: number;
  /** The base URL clients are told to use; by default, the one they reached. */
  publicBaseUrl?: string;
}

export function createMessenger(options: MessengerOptions): NodePart {
  return {
    name: 'messenger',
    apps: [messengerApp],
    registerRoutes(server, node) {
      const limits = options.rateLimits ?? DEFAULT_RATE_LIMITS;
      // One plugin scope, so the rate limiter is loaded before the routes that use it.
      server.register(async (scope) => {
        await useRateLimits(scope);
        registerVersions(scope);
        registerWellKnown(scope, () => options.publicBaseUrl);
        const accessTokenLifetimeMs = options.accessTokenLifetimeMs ?? DEFAULT_ACCESS_TOKEN_LIFETIME_MS;
        const passwordStage = new PasswordStage(node);
        registerLogin(scope, node, { limits, accessTokenLifetimeMs }, passwordStage);
        registerRegister(scope, node, { open: options.openRegistration, accessTokenLifetimeMs }, limits);
        registerWhoami(scope, node);
        registerLogout(scope, node);
        registerCreateRoom(scope, node);
        registerMembership(scope, node);
        registerSend(scope, node, limits);
        registerRoomReads(scope, node);
        const typing = new TypingStore();
        registerSync(scope, node, typing);
        registerTyping(scope, node, typing);
        registerReceipts(scope, node);
        registerRedact(scope, node, limits);
        registerFilter(scope, node);
        registerCapabilities(scope, node);
        registerPushRules(scope, node);
        registerAccountData(scope, node);
        registerTags(scope, node);
        registerDirectory(scope, node);
        registerProfile(scope, node);
        registerDevices(scope, node, passwordStage);
        registerAccount(scope, node, passwordStage);
      });
    },
  };
}
