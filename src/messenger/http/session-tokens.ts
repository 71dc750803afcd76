import { newAccessToken, tokenHash } from '../auth/tokens.ts';

/** How long an access token lives for clients that take refresh tokens (others keep theirs until sign-out). */
export const DEFAULT_ACCESS_TOKEN_LIFETIME_MS = 5 * 60 * 1000;

export interface SessionTokens {
  /** What the command carries: hashes only. */
  args: { token_hash: string; renewal?: { refresh_hash: string; lifetime_ms: number } };
  /** What the client is handed, once. */
  response: { access_token: string; refresh_token?: string; expires_in_ms?: number };
}

/**
 * New tokens for a session, made at ingress from the system's randomness. A client that says
 * it handles refresh tokens gets an access token that expires and a refresh token to renew it.
 */
export function newSessionTokens(withRefresh: boolean, lifetimeMs: number): SessionTokens {
  const accessToken = newAccessToken();
  if (!withRefresh) return { args: { token_hash: tokenHash(accessToken) }, response: { access_token: accessToken } };
  const refreshToken = newAccessToken();
  return {
    args: { token_hash: tokenHash(accessToken), renewal: { refresh_hash: tokenHash(refreshToken), lifetime_ms: lifetimeMs } },
    response: { access_token: accessToken, refresh_token: refreshToken, expires_in_ms: lifetimeMs },
  };
}
