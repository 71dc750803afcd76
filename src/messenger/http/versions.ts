import type { FastifyInstance } from 'fastify';

/**
 * The specification versions this server implements. Listed only as far as the endpoints
 * behind them exist; matrix-js-sdk needs at least v1.1.
 */
export const SPEC_VERSIONS = ['v1.1', 'v1.2', 'v1.3', 'v1.4', 'v1.5', 'v1.6', 'v1.7', 'v1.8', 'v1.9', 'v1.10', 'v1.11'];

/**
 * Unstable features clients still look for, each one Watan has. Element offers cross-signing
 * (and sets it up at first sign-in) only where `org.matrix.e2e_cross_signing` is advertised.
 * Left out on purpose: threads (`org.matrix.msc3440.stable`: no thread filters), per-thread
 * notifications (`msc3771`/`msc3773`: counts are not split by thread) and the rest Synapse
 * lists for features Watan lacks.
 */
export const UNSTABLE_FEATURES: Record<string, boolean> = {
  /** Cross-signing keys and signatures (/keys/device_signing/upload, /keys/signatures/upload). */
  'org.matrix.e2e_cross_signing': true,
  /** Private read receipts (m.read.private), through /receipt and /read_markers. */
  'org.matrix.msc2285.stable': true,
  /** Dehydrated devices under /_matrix/client/unstable/org.matrix.msc3814.v1. */
  'org.matrix.msc3814': true,
};

export function registerVersions(server: FastifyInstance): void {
  server.get('/_matrix/client/versions', async () => ({ versions: SPEC_VERSIONS, unstable_features: UNSTABLE_FEATURES }));
}
