import { createHash, randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, type EphemeralStore, type NodeContext, SealedEntries } from '../../node/index.ts';
import type { Session } from './authenticate.ts';
import { runQuery } from './commands.ts';
import { checkPassword } from './login.ts';

interface AuthData {
  type?: unknown;
  session?: unknown;
  password?: unknown;
  identifier?: { type?: unknown; user?: unknown };
  user?: unknown;
}

interface OpenSession {
  userId: string;
  expires: number;
  /** The one request the session was started for (method, path, body without `auth`): it passes no other. */
  request: string;
  /** What that request does, in words for the confirmation page of the m.login.sso fallback. */
  purpose: string;
  /** Set when the person proved themselves again through the identity provider (the m.login.sso fallback). */
  ssoDone?: boolean;
}

const SESSION_MS = 10 * 60 * 1000;

/**
 * User-interactive auth for the requests that must prove the person is present (deleting
 * devices, a new password, deactivation, replacing cross-signing keys): one stage, either
 * `m.login.password` for an account with a password, or `m.login.sso` for an account bound to
 * a verified person, completed through the fallback page and a fresh sign-in at the identity
 * provider as the same person. Sessions live in the store the replicas share, sealed by their
 * id: a session started on one replica is finished on any other behind the same load balancer.
 */
export class PasswordStage {
  private readonly sessions: SealedEntries<OpenSession>;
  private readonly node: NodeContext;
  private readonly ssoAvailable: boolean;

  constructor(node: NodeContext, store: EphemeralStore, options: { sso?: boolean } = {}) {
    this.node = node;
    this.sessions = new SealedEntries(store, 'uia-session');
    this.ssoAvailable = options.sso === true;
  }

  /** True when `auth` completes a stage for the session's user; otherwise answers 401 with the flows and gives false. */
  async passed(session: Session, auth: AuthData | undefined, reply: FastifyReply): Promise<boolean> {
    const id = typeof auth?.session === 'string' ? auth.session : undefined;
    const open = id === undefined ? undefined : await this.sessions.get(id);
    // The specification ties a session to one API call: a session proved for deleting one
    // device must not pass deactivation, nor deleting other devices.
    const current =
      open && open.userId === session.userId && open.expires >= Date.now() && open.request === requestBinding(reply.request)
        ? open
        : undefined;
    // Taken, not read: of two replicas asked to pass the same session at once, only one does.
    if (current?.ssoDone && (auth?.type === undefined || auth.type === 'm.login.sso') && (await this.sessions.take(id as string))) {
      return true;
    }
    if (auth?.type !== 'm.login.password' || !current) {
      await this.challenge(session, reply, current ? id : undefined);
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
      await this.challenge(session, reply, id, error.message);
      return false;
    }
    await this.sessions.delete(id as string);
    return true;
  }

  /** Whose open session this is, for the m.login.sso fallback page; undefined when it is unknown or over. */
  async userOf(id: string): Promise<string | undefined> {
    return (await this.openSession(id))?.userId;
  }

  /** What the open session's request does ("delete a device"), named on the fallback page before the provider is asked. */
  async purposeOf(id: string): Promise<string | undefined> {
    return (await this.openSession(id))?.purpose;
  }

  /** The person signed in again at the identity provider as the session's user: the session passes its next try. */
  async completeBySso(id: string, userId: string): Promise<boolean> {
    const open = await this.openSession(id);
    if (!open || open.userId !== userId) return false;
    await this.sessions.put(id, { ...open, ssoDone: true }, open.expires - Date.now());
    return true;
  }

  private async openSession(id: string): Promise<OpenSession | undefined> {
    const open = await this.sessions.get(id);
    return open && open.expires >= Date.now() ? open : undefined;
  }

  private async challenge(session: Session, reply: FastifyReply, existing?: string, failure?: string): Promise<void> {
    const id = existing ?? randomBytes(16).toString('base64url');
    const request = reply.request;
    await this.sessions.put(
      id,
      { userId: session.userId, expires: Date.now() + SESSION_MS, request: requestBinding(request), purpose: purposeOf(request) },
      SESSION_MS,
    );
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
