import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '../../node/index.ts';
import { tokenHash } from '../auth/tokens.ts';

/** Requests allowed per window, per client: the defaults suit people, not scripts. */
export interface RateLimits {
  /** Sign-in and registration attempts per minute per address. */
  authPerMinute: number;
  /** Messages, state changes and redactions per 10 seconds per access token. */
  sendsPer10Seconds: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = { authPerMinute: 20, sendsPer10Seconds: 100 };

/** Loads the rate limiter into `server` (the messenger's scope); routes opt in with `limitAuth`/`limitSends`. */
export async function useRateLimits(server: FastifyInstance): Promise<void> {
  await server.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      new ApiError(429, 'M_LIMIT_EXCEEDED', `too many requests; try again in ${Math.ceil(context.ttl / 1000)} s`, {
        retry_after_ms: context.ttl,
      }),
  });
}

export function limitAuth(limits: RateLimits) {
  return { rateLimit: { max: limits.authPerMinute, timeWindow: 60_000, keyGenerator: (request: FastifyRequest) => request.ip } };
}

/** Per access token (hashed, so no token is kept in the limiter's memory), else per address. */
export function limitSends(limits: RateLimits) {
  return {
    rateLimit: {
      max: limits.sendsPer10Seconds,
      timeWindow: 10_000,
      keyGenerator: (request: FastifyRequest) => {
        const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
        return bearer ? tokenHash(bearer) : request.ip;
      },
    },
  };
}
