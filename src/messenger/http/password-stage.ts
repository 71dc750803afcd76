import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, type NodeContext } from '../../node/index.ts';
import type { Session } from './authenticate.ts';
import { runQuery } from './commands.ts';
import { checkPassword } from './login.ts';
import { openUiaSession, readUiaSession } from './uia-session.ts';

interface AuthData {
  type?: unknown;
  session?: unknown;
  password?: unknown;
  identifier?: { type?: unknown; user?: unknown };
  user?: unknown;
}

/** How many sessions this replica remembers as completed or used. */
const MAX_REMEMBERED = 10_000;

/** Adds a session until it runs out, forgetting those that have, and the oldest beyond the bound. */
function remember(sessions: Map<string, number>, id: string, expires: number): void {
  sessions.set(id, expires);
  const now = Date.now();
  for (const [other, until] of sessions) if (until < now) sessions.delete(other);
  while (sessions.size > MAX_REMEMBERED) sessions.delete(sessions.keys().next().value as string);
}

/**
 * User-interactive auth for the requests that must prove the person is present (deleting
 * devices, a new password, deactivation, replacing cross-signing keys): one stage, either
 * `m.login.password` for an account with a password, or `m.login.sso` for an account bound to
 * a verified person, completed through the fallback page and a fresh sign-in at the identity
 * provider as the same person. A session is signed by the replica that opened it and names
 * its user and the one call it is for (uia-session.ts), so a client may send its next step to
 * any replica; only the mark that the SSO fallback was completed stays on the replica that
 * saw the identity provider's answer.
 */
export class PasswordStage {
  /** Sessions completed through the m.login.sso fallback here, with when they run out. */
  private readonly ssoDone = new Map<string, number>();
  /**
   * Sessions that passed here, with when they run out: each passes once on this replica. (On
   * another replica it could pass again, but only with the password or the provider again.)
   */
  private readonly used = new Map<string, number>();
  private readonly node: NodeContext;
  private readonly ssoAvailable: boolean;

  constructor(node: NodeContext, options: { sso?: boolean } = {}) {
    this.node = node;
    this.ssoAvailable = options.sso === true;
  }

  /** True when `auth` completes a stage for the session's user; otherwise answers 401 with the flows and gives false. */
  async passed(session: Session, auth: AuthData | undefined, reply: FastifyReply): Promise<boolean> {
    const id = typeof auth?.session === 'string' ? auth.session : undefined;
    const open = id === undefined ? undefined : this.open(id);
    // The specification ties a session to one API call: a session proved for deleting one
    // device must not pass deactivation, nor deleting other devices.
    const current = open && open.user === session.userId && open.purpose === requestBinding(reply.request) ? open : undefined;
    if (current && this.ssoDone.has(id as string) && (auth?.type === undefined || auth.type === 'm.login.sso')) {
      this.ssoDone.delete(id as string);
      remember(this.used, id as string, current.expires);
      return true;
    }
    if (auth?.type !== 'm.login.password' || !current) {
      this.challenge(session, reply, current ? id : undefined);
      return false;
    }
    const user = auth.identifier?.user ?? auth.user;
    const named =
      typeof user === 'string' && (user === session.userId || `@${user.toLowerCase()}:${this.node.serverName}` === session.userId);
    try {
      if (!named || typeof auth.password !== 'string') throw new ApiError(403, 'M_FORBIDDEN', 'invalid username or password');
      await checkPassword(this.node, session.userId, auth.password);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      this.challenge(session, reply, id, error.message);
      return false;
    }
    remember(this.used, id as string, current.expires);
    return true;
  }

  /** The session's claims when a replica of this subnet opened it, it has not run out, and it has not passed here. */
  private open(id: string): ReturnType<typeof readUiaSession> {
    return this.used.has(id) ? undefined : readUiaSession(this.node, id);
  }

  /** Whose open session this is, for the m.login.sso fallback page; undefined when it is unknown or over. */
  userOf(id: string): string | undefined {
    return this.open(id)?.user;
  }

  /** What the open session's request does ("delete a device"), named on the fallback page before the provider is asked. */
  purposeOf(id: string): string | undefined {
    return this.open(id)?.words;
  }

  /** The person signed in again at the identity provider as the session's user: the session passes its next try here. */
  completeBySso(id: string, userId: string): boolean {
    const open = this.open(id);
    if (!open || open.user !== userId) return false;
    remember(this.ssoDone, id, open.expires);
    return true;
  }

  private challenge(session: Session, reply: FastifyReply, existing?: string, failure?: string): void {
    const request = reply.request;
    const id = existing ?? openUiaSession(this.node, { purpose: requestBinding(request), user: session.userId, words: purposeOf(request) });
    reply.code(401).send({
      flows: this.flowsOf(session.userId),
      params: {},
      session: id,
      ...(failure ? { errcode: 'M_FORBIDDEN', error: failure } : {}),
    });
  }

  /** A password when the account has one; the identity provider when the account is bound to a verified person. */
  private flowsOf(userId: string): { stages: string[] }[] {
    const credentials = runQuery<{ password_hash: string | null } | null>(this.node.subnet, 'credentials', { user_id: userId }, 'ingress');
    const bound = this.ssoAvailable && runQuery<string | null>(this.node.subnet, 'bound_person', { user_id: userId }, 'ingress') !== null;
    const flows = [
      ...(credentials?.password_hash ? [{ stages: ['m.login.password'] }] : []),
      ...(bound ? [{ stages: ['m.login.sso'] }] : []),
    ];
    return flows.length > 0 ? flows : [{ stages: ['m.login.password'] }];
  }
}

/** Method, path and a hash of the body without `auth`: the same API call, whatever order the client writes keys in. */
function requestBinding(request: FastifyRequest): string {
  const { auth: _auth, ...rest } = (request.body ?? {}) as Record<string, unknown>;
  const body = createHash('sha256').update(stableJson(rest)).digest('base64url');
  return `${request.method} ${pathOf(request)} ${body}`;
}

function pathOf(request: FastifyRequest): string {
  const path = request.url.split('?')[0] ?? '';
  // The same call under either prefix of the client-server API.
  return path.replace(/^\/_matrix\/client\/(?:v1|v3|r0)\//, '/');
}

/** JSON with object keys sorted at every depth. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner !== null && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}

/** Words for what a request protected by user-interactive auth does. */
function purposeOf(request: FastifyRequest): string {
  const path = pathOf(request);
  if (path === '/account/deactivate') return 'deactivate your account';
  if (path === '/account/password') return 'change your password';
  if (path === '/delete_devices') return 'sign out and delete devices';
  if (path.startsWith('/devices/')) return 'sign out and delete a device';
  if (path === '/keys/device_signing/upload') return 'replace your cross-signing keys';
  if (path === '/login/get_token') return 'sign in on another device';
  return `${request.method} ${path}`;
}
