import { randomBytes } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { ApiError, type NodeContext } from '../../node/index.ts';
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
  /** Set when the person proved themselves again through the identity provider (the m.login.sso fallback). */
  ssoDone?: boolean;
}

const SESSION_MS = 10 * 60 * 1000;
const MAX_SESSIONS = 10_000;

/**
 * User-interactive auth for the requests that must prove the person is present (deleting
 * devices, a new password, deactivation, replacing cross-signing keys): one stage, either
 * `m.login.password` for an account with a password, or `m.login.sso` for an account bound to
 * a verified person, completed through the fallback page and a fresh sign-in at the identity
 * provider as the same person. Sessions live in this node's memory.
 */
export class PasswordStage {
  private readonly sessions = new Map<string, OpenSession>();
  private readonly node: NodeContext;
  private readonly ssoAvailable: boolean;

  constructor(node: NodeContext, options: { sso?: boolean } = {}) {
    this.node = node;
    this.ssoAvailable = options.sso === true;
  }

  /** True when `auth` completes a stage for the session's user; otherwise answers 401 with the flows and gives false. */
  async passed(session: Session, auth: AuthData | undefined, reply: FastifyReply): Promise<boolean> {
    const id = typeof auth?.session === 'string' ? auth.session : undefined;
    const open = id === undefined ? undefined : this.sessions.get(id);
    const current = open && open.userId === session.userId && open.expires >= Date.now() ? open : undefined;
    if (current?.ssoDone && (auth?.type === undefined || auth.type === 'm.login.sso')) {
      this.sessions.delete(id as string);
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
    this.sessions.delete(id as string);
    return true;
  }

  /** Whose open session this is, for the m.login.sso fallback page; undefined when it is unknown or over. */
  userOf(id: string): string | undefined {
    const open = this.sessions.get(id);
    return open && open.expires >= Date.now() ? open.userId : undefined;
  }

  /** The person signed in again at the identity provider as the session's user: the session passes its next try. */
  completeBySso(id: string, userId: string): boolean {
    const open = this.sessions.get(id);
    if (!open || open.userId !== userId || open.expires < Date.now()) return false;
    open.ssoDone = true;
    return true;
  }

  private challenge(session: Session, reply: FastifyReply, existing?: string, failure?: string): void {
    const id = existing ?? randomBytes(16).toString('base64url');
    this.sessions.set(id, { userId: session.userId, expires: Date.now() + SESSION_MS });
    while (this.sessions.size > MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value as string);
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
