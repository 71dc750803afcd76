import type { FastifyRequest } from 'fastify';
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
  const hash = tokenHash(token);
  const session = subnet.query('messenger', 'session', { token_hash: hash }, 'ingress') as { user_id: string; device_id: string } | null;
  if (!session)
    throw new ApiError(401, 'M_UNKNOWN_TOKEN', 'this access token is not valid (signed out, or never issued); sign in again', {
      soft_logout: false,
    });
  return { userId: session.user_id, deviceId: session.device_id, tokenHash: hash };
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
