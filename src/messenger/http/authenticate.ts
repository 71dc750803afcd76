import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../../node/index.ts';
import type { Subnet } from '../../subnet/index.ts';
import { tokenHash } from '../auth/tokens.ts';

export interface Session {
  userId: string;
  deviceId: string;
  /** SHA-256 of the access token the request carried. */
  tokenHash: string;
}

/**
 * Who is asking: the access token from the Authorization header (or, as the specification
 * still allows, the `access_token` query parameter), looked up by its hash.
 */
export function authenticate(request: FastifyRequest, subnet: Subnet): Session {
  const token = bearerToken(request);
  if (!token) throw new ApiError(401, 'M_MISSING_TOKEN', 'this request needs an access token: send Authorization: Bearer <token>');
  return sessionOf(subnet, tokenHash(token));
}

/**
 * The live session of the access token with this hash, or the 401 a client expects. A request
 * that waited (a long-poll) asks again by the hash it already has: the session may have ended.
 */
export function sessionOf(subnet: Subnet, hash: string): Session {
  const session = subnet.query('messenger', 'session', { token_hash: hash }, 'ingress') as StoredSession | null;
  if (!session)
    throw new ApiError(401, 'M_UNKNOWN_TOKEN', 'this access token is not valid (signed out, or never issued); sign in again', {
      soft_logout: false,
    });
  // The session lives on: the client renews it with its refresh token.
  if (session.expires_at !== null && session.expires_at <= Date.now())
    throw new ApiError(401, 'M_UNKNOWN_TOKEN', 'this access token has expired; renew it with your refresh token', { soft_logout: true });
  if (session.fresh) confirmRefresh(subnet, hash, session.user_id);
  return { userId: session.user_id, deviceId: session.device_id, tokenHash: hash };
}

interface StoredSession {
  user_id: string;
  device_id: string;
  expires_at: number | null;
  fresh: boolean;
}

const confirming = new Set<string>();

/**
 * The first use of a refreshed access token revokes the refresh token it replaced. The
 * request does not wait for that: it is already authenticated, and a revocation that fails
 * (the node stopping) is retried on the token's next use.
 */
function confirmRefresh(subnet: Subnet, hash: string, userId: string): void {
  if (confirming.has(hash)) return;
  confirming.add(hash);
  subnet
    .submit({ app: 'messenger', method: 'confirm_refresh', args: { token_hash: hash }, caller: userId })
    .catch(() => {})
    .finally(() => confirming.delete(hash));
}

/**
 * Refuses a request that carries no access token before its body or parameters are looked
 * at: a caller who has not signed in learns nothing about the endpoint's input.
 */
export function requireToken(request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void): void {
  let token: string | undefined;
  try {
    token = bearerToken(request);
  } catch (error) {
    done(error as Error);
    return;
  }
  done(token ? undefined : new ApiError(401, 'M_MISSING_TOKEN', 'this request needs an access token: send Authorization: Bearer <token>'));
}

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new ApiError(401, 'M_MISSING_TOKEN', 'the Authorization header must be "Bearer <access token>"');
    return match[1];
  }
  const query = (request.query as Record<string, unknown> | undefined)?.access_token;
  return typeof query === 'string' && query.length > 0 ? query : undefined;
}
