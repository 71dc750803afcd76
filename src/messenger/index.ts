/** The National Messenger: a Matrix homeserver running as an app on the subnet. */
import type { IdentityConfig } from '../identity/index.ts';
import { MemoryEphemeralStore, type NodePart } from '../node/index.ts';
import { messengerApp } from './app/index.ts';
import { registerAccount } from './http/account.ts';
import { registerAccountThirdPartyIds } from './http/account-3pid.ts';
import { registerAccountData, registerTags } from './http/account-data.ts';
import { registerAttestation } from './http/attestation.ts';
import { registerCapabilities } from './http/capabilities.ts';
import { registerContext } from './http/context.ts';
import { registerCreateRoom } from './http/create-room.ts';
import { registerCredentialRegistration } from './http/credential-registration.ts';
import { registerDevices } from './http/devices.ts';
import { registerDirectory } from './http/directory.ts';
import { registerEncryption } from './http/encryption-routes.ts';
import { registerFilter } from './http/filter.ts';
import { registerIdentityDeactivation } from './http/identity-deactivation.ts';
import { registerIdentityRevocation } from './http/identity-revocation.ts';
import { registerLogin } from './http/login.ts';
import { registerLogout } from './http/logout.ts';
import { registerMedia } from './http/media.ts';
import { registerMembership } from './http/membership.ts';
import { PasswordStage } from './http/password-stage.ts';
import { registerPresence } from './http/presence.ts';
import { registerProfile } from './http/profile.ts';
import { registerPushRules } from './http/push-rules.ts';
import { registerPushers } from './http/pushers.ts';
import { type RateLimitSettings, rateLimitsFrom, useRateLimits } from './http/rate-limits.ts';
import { registerReceipts } from './http/receipts.ts';
import { registerRedact } from './http/redact.ts';
import { registerRegister } from './http/register.ts';
import { registerRelations } from './http/relations.ts';
import { registerRoomReads } from './http/room-reads.ts';
import { registerSend } from './http/send.ts';
import { DEFAULT_ACCESS_TOKEN_LIFETIME_MS } from './http/session-tokens.ts';
import { registerSsoCallback } from './http/sso-callback.ts';
import { PendingConfirmations } from './http/sso-completion.ts';
import { registerSsoContinue } from './http/sso-continue.ts';
import { registerSsoReauthentication } from './http/sso-reauthentication.ts';
import { registerSsoRedirect } from './http/sso-redirect.ts';
import { registerSync } from './http/sync.ts';
import { registerThirdPartyProtocols } from './http/thirdparty-protocols.ts';
import { registerTyping } from './http/typing.ts';
import { registerVersions } from './http/versions.ts';
import { registerTurnServer } from './http/voip-turn-server.ts';
import { registerWellKnown } from './http/well-known.ts';
import { registerWhoami } from './http/whoami.ts';
import { DEFAULT_MAX_UPLOAD_SIZE } from './media/index.ts';
import { PresenceStore } from './presence.ts';
import { TypingStore } from './typing.ts';

export { messengerApp } from './app/index.ts';
/** Who is asking, by the messenger's access token: how other parts' routes authenticate people. */
export { authenticate, requireToken, type Session } from './http/authenticate.ts';
export {
  DEFAULT_RATE_LIMITS,
  type RateLimitSettings,
  type RateLimits,
  UNLIMITED_RATE_LIMITS,
  type UserAction,
} from './http/rate-limits.ts';
export { CALLBACK_PATH as SSO_CALLBACK_PATH } from './http/sso-cookie.ts';
export { DEFAULT_MAX_UPLOAD_SIZE, MediaFiles, UploadTooLargeError } from './media/index.ts';
export { waitingSyncs } from './sync/notifier.ts';
export { WAKE_BATCH } from './sync/readers-first.ts';
export { DEFAULT_WARM_UP_LOAD, WarmUpError, type WarmUpLoad, type WarmUpReport, warmUpMessenger } from './warm-up.ts';

export interface MessengerOptions {
  /** Per-client request limits; the defaults suit people (see http/rate-limits.ts). */
  rateLimits?: RateLimitSettings;
  /** Password registration (development); production accounts come through the identity provider. */
  openRegistration: boolean;
  /** Lifetime of access tokens for clients that take refresh tokens (default 5 minutes). */
  accessTokenLifetimeMs?: number;
  /** The base URL clients are told to use; by default, the one they reached. */
  publicBaseUrl?: string;
  /** Largest media upload, in bytes (default 100 MiB); media files live in the data folder's media/. */
  maxUploadSize?: number;
  /** Accounts of verified people: SSO through the identity provider, credentials, badges (absent: none of it). */
  identity?: IdentityConfig;
}

export function createMessenger(options: MessengerOptions): NodePart {
  return {
    name: 'messenger',
    apps: [messengerApp],
    registerRoutes(server, node) {
      const limits = rateLimitsFrom(options.rateLimits);
      // One plugin scope, so the rate limiter is loaded before the routes that use it.
      server.register(async (scope) => {
        await useRateLimits(scope, limits, node.subnet);
        registerVersions(scope);
        registerWellKnown(scope, () => options.publicBaseUrl);
        const accessTokenLifetimeMs = options.accessTokenLifetimeMs ?? DEFAULT_ACCESS_TOKEN_LIFETIME_MS;
        const sso = options.identity?.relyingParty?.settings;
        // Short-lived state a person may touch on any replica: etcd on a cluster, this node's memory alone.
        const store = node.replicas?.store ?? new MemoryEphemeralStore();
        if (!node.replicas) scope.addHook('onClose', () => store.close());
        const passwordStage = new PasswordStage(node, store, { sso: sso !== undefined });
        const loginPolicy = { limits, accessTokenLifetimeMs, ...(sso ? { sso: { id: sso.id, name: sso.name } } : {}) };
        registerLogin(scope, node, loginPolicy, passwordStage);
        registerRegister(scope, node, { open: options.openRegistration, accessTokenLifetimeMs }, limits);
        registerWhoami(scope, node);
        registerLogout(scope, node);
        registerCreateRoom(scope, node);
        registerMembership(scope, node);
        registerSend(scope, node, limits);
        registerRoomReads(scope, node);
        registerContext(scope, node);
        registerRelations(scope, node);
        const typing = new TypingStore(store);
        const presence = new PresenceStore();
        registerSync(scope, node, typing, presence);
        registerPresence(scope, node, presence);
        registerTyping(scope, node, typing);
        registerReceipts(scope, node);
        registerRedact(scope, node, limits);
        registerFilter(scope, node);
        registerCapabilities(scope, node);
        registerPushRules(scope, node);
        registerPushers(scope, node);
        registerAccountData(scope, node);
        registerTags(scope, node);
        registerDirectory(scope, node);
        registerProfile(scope, node);
        registerDevices(scope, node, passwordStage);
        registerAccount(scope, node, passwordStage);
        registerAccountThirdPartyIds(scope, node);
        registerTurnServer(scope, node);
        registerThirdPartyProtocols(scope, node);
        registerEncryption(scope, node, passwordStage);
        registerMedia(scope, node, { maxUploadSize: options.maxUploadSize ?? DEFAULT_MAX_UPLOAD_SIZE, limits });
        const identity = options.identity;
        if (identity) {
          const relyingParty = identity.relyingParty;
          if (relyingParty) {
            registerSsoRedirect(scope, relyingParty, limits);
            const confirmations = new PendingConfirmations(store);
            registerSsoCallback(scope, node, { ...identity, relyingParty }, confirmations, passwordStage, limits);
            registerSsoReauthentication(scope, relyingParty, passwordStage, limits);
            registerSsoContinue(scope, node, identity, confirmations, limits);
          }
          registerCredentialRegistration(scope, node, identity, limits);
          registerAttestation(scope, node);
          registerIdentityDeactivation(scope, node);
          registerIdentityRevocation(scope, node, identity.administrators);
        }
      });
    },
  };
}
export { VERIFIED_FIELD } from './http/verified-profile.ts';
