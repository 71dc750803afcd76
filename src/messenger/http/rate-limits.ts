import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '../../node/index.ts';
import type { Subnet } from '../../subnet/index.ts';
import { tokenHash } from '../auth/tokens.ts';

/** So many requests per window. */
export interface Rate {
  max: number;
  windowMs: number;
}

/**
 * What a signed-in user may do so often, each counted per user whichever device or prefix
 * (v3, r0) they use: actions that create or fan out state others must carry (a display name
 * is a member event in every joined room), or that reach other people (invites, to-device).
 */
export type UserAction = 'createRoom' | 'toDevice' | 'typing' | 'accountData' | 'membership' | 'profile';

/** Requests allowed per window, per client: the defaults suit people, not scripts. */
export interface RateLimits {
  /** Sign-in and registration attempts per minute per address. */
  authPerMinute: number;
  /** Messages, state changes and redactions per 10 seconds per access token. */
  sendsPer10Seconds: number;
  /** Per user, per kind of action (see UserAction). */
  userActions: Record<UserAction, Rate>;
}

export const DEFAULT_RATE_LIMITS: RateLimits = {
  authPerMinute: 20,
  sendsPer10Seconds: 100,
  userActions: {
    createRoom: { max: 20, windowMs: 60_000 },
    // A client shares a room key with every device of a new member, one request per batch.
    toDevice: { max: 200, windowMs: 10_000 },
    typing: { max: 30, windowMs: 10_000 },
    // A new device sets up secret storage, cross-signing and backup in a burst of writes.
    accountData: { max: 60, windowMs: 10_000 },
    membership: { max: 60, windowMs: 60_000 },
    // Each change is a member event in every room the user has joined.
    profile: { max: 10, windowMs: 60_000 },
  },
};

/** For a node only its owner reaches (a benchmark's, the start-up warm-up's): limits that never bite, on the same code path. */
export const UNLIMITED_RATE_LIMITS: RateLimits = {
  authPerMinute: 1e9,
  sendsPer10Seconds: 1e9,
  userActions: Object.fromEntries(
    Object.keys(DEFAULT_RATE_LIMITS.userActions).map((action) => [action, { max: 1e9, windowMs: 1_000 }]),
  ) as Record<UserAction, Rate>,
};

/** Limits as the node's configuration gives them: any left out take the defaults. */
export type RateLimitSettings = Partial<Omit<RateLimits, 'userActions'>> & { userActions?: Partial<Record<UserAction, Rate>> };

export function rateLimitsFrom(settings: RateLimitSettings = {}): RateLimits {
  return {
    ...DEFAULT_RATE_LIMITS,
    ...settings,
    userActions: { ...DEFAULT_RATE_LIMITS.userActions, ...settings.userActions },
  };
}

/**
 * The endpoints limited per user, by method and path under the client-server prefix. Listed
 * here rather than at each route so that one table shows every per-user limit at once.
 */
const USER_LIMITED: Record<string, UserAction> = {
  'POST /createRoom': 'createRoom',
  'PUT /sendToDevice/:eventType/:txnId': 'toDevice',
  'PUT /rooms/:roomId/typing/:userId': 'typing',
  'PUT /user/:userId/account_data/:type': 'accountData',
  'PUT /user/:userId/rooms/:roomId/account_data/:type': 'accountData',
  'PUT /user/:userId/rooms/:roomId/tags/:tag': 'accountData',
  'DELETE /user/:userId/rooms/:roomId/tags/:tag': 'accountData',
  'POST /rooms/:roomId/invite': 'membership',
  'POST /rooms/:roomId/kick': 'membership',
  'POST /rooms/:roomId/ban': 'membership',
  'POST /rooms/:roomId/unban': 'membership',
  'PUT /profile/:userId/:field': 'profile',
};

/**
 * Loads the rate limiter into `server` (the messenger's scope); routes opt in with
 * `limitAuth`/`limitSends`, and the endpoints of USER_LIMITED get their action's limit, keyed
 * by the caller's user id. One store holds every count, so a limit spans all the routes (and
 * both prefixes) that share its key.
 */
export async function useRateLimits(server: FastifyInstance, limits: RateLimits, subnet: Subnet): Promise<void> {
  // Before the limiter's own hook, which reads `config.rateLimit`.
  server.addHook('onRoute', (route) => {
    const action = [route.method]
      .flat()
      .map((method) => USER_LIMITED[endpoint(method, route.url)])
      .find((found) => found !== undefined);
    if (action === undefined) return;
    const { max, windowMs } = limits.userActions[action];
    route.config = {
      ...route.config,
      rateLimit: { max, timeWindow: windowMs, keyGenerator: userKey(action, subnet) },
    } as typeof route.config;
  });
  await server.register(rateLimit, {
    global: false,
    store: SharedWindowStore,
    errorResponseBuilder: (_request, context) =>
      new ApiError(429, 'M_LIMIT_EXCEEDED', `too many requests; try again in ${Math.ceil(context.ttl / 1000)} s`, {
        retry_after_ms: context.ttl,
      }),
  });
}

/** Per address, per endpoint. */
export function limitAuth(limits: RateLimits) {
  return {
    rateLimit: {
      max: limits.authPerMinute,
      timeWindow: 60_000,
      keyGenerator: (request: FastifyRequest) => `${endpointOf(request)}:${request.ip}`,
    },
  };
}

/** Per endpoint and access token (hashed, so no token is kept in the limiter's memory), else per address. */
export function limitSends(limits: RateLimits) {
  return {
    rateLimit: {
      max: limits.sendsPer10Seconds,
      timeWindow: 10_000,
      keyGenerator: (request: FastifyRequest) => {
        const bearer = bearerOf(request);
        return `${endpointOf(request)}:${bearer ? tokenHash(bearer) : request.ip}`;
      },
    },
  };
}

/** The caller's user id, from the session of their access token; an unknown token counts against its address. */
function userKey(action: UserAction, subnet: Subnet) {
  return (request: FastifyRequest): string => {
    const bearer = bearerOf(request);
    const session = bearer
      ? (subnet.query('messenger', 'session', { token_hash: tokenHash(bearer) }, 'ingress') as { user_id: string } | null)
      : null;
    return `${action}:${session?.user_id ?? request.ip}`;
  };
}

/** The endpoint a request is for, the same under either prefix (v3 and r0 share their counts). */
function endpointOf(request: FastifyRequest): string {
  return endpoint(request.method, request.routeOptions.url ?? '');
}

function endpoint(method: string, url: string): string {
  return `${method} ${url.replace(/^\/_matrix\/client\/(v3|r0)\//, '/')}`;
}

function bearerOf(request: FastifyRequest): string | undefined {
  return (
    /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1] ??
    ((request.query as Record<string, unknown> | undefined)?.access_token as string | undefined)
  );
}

interface Window {
  current: number;
  ttl: number;
  startedAt: number;
  timeWindow: number;
}

/** Counts kept before expired ones are swept (each is a few dozen bytes). */
const SWEEP_AT = 100_000;

/**
 * A fixed-window counter per key, shared by every route of the limiter (the plugin's own
 * store makes one per route, so v3 and r0 would each allow the whole limit).
 */
class SharedWindowStore {
  private readonly windows = new Map<string, Window>();

  child(): SharedWindowStore {
    return this;
  }

  incr(key: string, done: (error: Error | null, result: { current: number; ttl: number }) => void, timeWindow: number): void {
    const now = Date.now();
    if (this.windows.size >= SWEEP_AT) this.sweep(now);
    const window = this.windows.get(key);
    if (window === undefined || window.startedAt + window.timeWindow <= now) {
      const fresh = { current: 1, ttl: timeWindow, startedAt: now, timeWindow };
      this.windows.set(key, fresh);
      done(null, fresh);
      return;
    }
    window.current++;
    window.ttl = window.startedAt + window.timeWindow - now;
    done(null, window);
  }

  private sweep(now: number): void {
    for (const [key, window] of this.windows) if (window.startedAt + window.timeWindow <= now) this.windows.delete(key);
  }
}
