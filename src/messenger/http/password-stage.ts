import { randomBytes } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { ApiError, type NodeContext } from '../../node/index.ts';
import type { Session } from './authenticate.ts';
import { checkPassword } from './login.ts';

interface AuthData {
  type?: unknown;
  session?: unknown;
  password?: unknown;
  identifier?: { type?: unknown; user?: unknown };
  user?: unknown;
}

const SESSION_MS = 10 * 60 * 1000;
const MAX_SESSIONS = 10_000;

/**
 * User-interactive auth with one stage, m.login.password, for the requests that must prove
 * the person is present (deleting devices, a new password, deactivation). Sessions live in
 * this node's memory.
 */
export class PasswordStage {
  private readonly sessions = new Map<string, { userId: string; expires: number }>();
  private readonly node: NodeContext;

  constructor(node: NodeContext) {
    this.node = node;
  }

  /** True when `auth` completes the stage for the session's user; otherwise answers 401 with the flow and gives false. */
  async passed(session: Session, auth: AuthData | undefined, reply: FastifyReply): Promise<boolean> {
    const open = typeof auth?.session === 'string' ? this.sessions.get(auth.session) : undefined;
    if (auth?.type !== 'm.login.password' || !open || open.userId !== session.userId || open.expires < Date.now()) {
      this.challenge(session, reply);
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
      this.challenge(session, reply, auth.session as string, error.message);
      return false;
    }
    this.sessions.delete(auth.session as string);
    return true;
  }

  private challenge(session: Session, reply: FastifyReply, existing?: string, failure?: string): void {
    const id = existing ?? randomBytes(16).toString('base64url');
    this.sessions.set(id, { userId: session.userId, expires: Date.now() + SESSION_MS });
    while (this.sessions.size > MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value as string);
    reply.code(401).send({
      flows: [{ stages: ['m.login.password'] }],
      params: {},
      session: id,
      ...(failure ? { errcode: 'M_FORBIDDEN', error: failure } : {}),
    });
  }
}
