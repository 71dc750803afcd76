import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import { ApiError, type NodeContext } from '../../node/index.ts';
import { burnPasswordCheck, MAX_PASSWORD_LENGTH, verifyPassword } from '../auth/password.ts';
import { newAccessToken, newDeviceId, tokenHash } from '../auth/tokens.ts';
import { authenticate } from './authenticate.ts';
import { runCommand } from './commands.ts';
import { clientRoute, clientV1Route } from './matrix-routes.ts';
import type { PasswordStage } from './password-stage.ts';
import { limitAuth, type RateLimits } from './rate-limits.ts';
import { newSessionTokens } from './session-tokens.ts';

const LoginBody = Type.Object({
  type: Type.String(),
  identifier: Type.Optional(Type.Object({ type: Type.String(), user: Type.Optional(Type.String({ maxLength: 255 })) })),
  user: Type.Optional(Type.String({ maxLength: 255 })),
  password: Type.Optional(Type.String({ maxLength: MAX_PASSWORD_LENGTH })),
  token: Type.Optional(Type.String({ maxLength: 512 })),
  device_id: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  initial_device_display_name: Type.Optional(Type.String({ maxLength: 255 })),
  refresh_token: Type.Optional(Type.Boolean()),
});
const RefreshBody = Type.Object({ refresh_token: Type.String({ minLength: 1, maxLength: 512 }) });
const GetTokenBody = Type.Object({ auth: Type.Optional(Type.Record(Type.String(), Type.Unknown())) });

/** How long a login token made by /login/get_token stays good: the specification's recommendation. */
const LOGIN_TOKEN_LIFETIME_MS = 120_000;

export interface LoginPolicy {
  limits: RateLimits;
  /** Lifetime of access tokens handed to clients that take refresh tokens. */
  accessTokenLifetimeMs: number;
  /** The identity provider offered for m.login.sso, when there is one. */
  sso?: { id: string; name: string };
}

/**
 * Sign-in by password or by a single-use login token (which a signed-in client makes, and
 * which the national identity provider's sign-in hands out), and the renewal of sessions by
 * refresh token.
 */
export function registerLogin(server: FastifyInstance, node: NodeContext, policy: LoginPolicy, stage: PasswordStage): void {
  clientRoute(server, 'GET', '/login', {}, async () => ({
    flows: [
      { type: 'm.login.password' },
      ...(policy.sso ? [{ type: 'm.login.sso', identity_providers: [policy.sso] }] : []),
      { type: 'm.login.token', get_login_token: true },
    ],
  }));
  clientRoute(
    server,
    'POST',
    '/login',
    { body: LoginBody },
    async (request) => {
      const body = request.body as Static<typeof LoginBody>;
      const signIn = await signInOf(node, body);
      const tokens = newSessionTokens(body.refresh_token === true, policy.accessTokenLifetimeMs);
      const deviceId = body.device_id ?? newDeviceId();
      await runCommand(
        node.subnet,
        'login',
        {
          user_id: signIn.userId,
          device_id: deviceId,
          ...tokens.args,
          ...(signIn.loginHash ? { login_hash: signIn.loginHash } : {}),
          ...(body.initial_device_display_name ? { display_name: body.initial_device_display_name } : {}),
        },
        signIn.userId,
      );
      return { user_id: signIn.userId, device_id: deviceId, ...tokens.response };
    },
    limitAuth(policy.limits),
  );

  clientRoute(
    server,
    'POST',
    '/refresh',
    { body: RefreshBody },
    async (request) => {
      const refreshHash = tokenHash((request.body as Static<typeof RefreshBody>).refresh_token);
      const owner = node.subnet.query('messenger', 'refresh_owner', { refresh_hash: refreshHash }, 'ingress') as string | null;
      if (owner === null)
        throw new ApiError(401, 'M_UNKNOWN_TOKEN', 'this refresh token is not valid (used up, or signed out); sign in again');
      const tokens = newSessionTokens(true, policy.accessTokenLifetimeMs);
      await runCommand(node.subnet, 'refresh', { refresh_hash: refreshHash, ...tokens.args }, owner);
      return tokens.response;
    },
    limitAuth(policy.limits),
  );

  clientV1Route(
    server,
    'POST',
    '/login/get_token',
    { body: GetTokenBody },
    async (request, reply) => {
      const session = authenticate(request, node.subnet);
      // The specification asks for consent every time: no UIA session is reused here.
      if (!(await stage.passed(session, (request.body as Static<typeof GetTokenBody>).auth as never, reply))) return reply;
      const loginToken = newAccessToken();
      await runCommand(
        node.subnet,
        'create_login_token',
        { login_hash: tokenHash(loginToken), lifetime_ms: LOGIN_TOKEN_LIFETIME_MS },
        session.userId,
      );
      return { login_token: loginToken, expires_in_ms: LOGIN_TOKEN_LIFETIME_MS };
    },
    limitAuth(policy.limits),
  );
}

/** Who is signing in, proven by password (checked here) or by login token (used up by the command). */
async function signInOf(node: NodeContext, body: Static<typeof LoginBody>): Promise<{ userId: string; loginHash?: string }> {
  if (body.type === 'm.login.token') {
    if (body.token === undefined) throw new ApiError(400, 'M_MISSING_PARAM', 'm.login.token needs the token');
    const loginHash = tokenHash(body.token);
    const owner = node.subnet.query('messenger', 'login_token_owner', { login_hash: loginHash }, 'ingress') as string | null;
    if (owner === null) throw new ApiError(403, 'M_FORBIDDEN', 'this login token is not valid; ask for a new one');
    return { userId: owner, loginHash };
  }
  if (body.type !== 'm.login.password')
    throw new ApiError(400, 'M_UNKNOWN', `login type ${body.type} is not supported here; use m.login.password or m.login.token`);
  const userId = userIdOf(body, node.serverName);
  if (body.password === undefined) throw new ApiError(400, 'M_MISSING_PARAM', 'm.login.password needs a password');
  await checkPassword(node, userId, body.password);
  return { userId };
}

/** The user being signed in: a localpart or a full user id of this server. */
function userIdOf(body: Static<typeof LoginBody>, serverName: string): string {
  if (body.identifier && body.identifier.type !== 'm.id.user') {
    throw new ApiError(400, 'M_UNKNOWN', `identifier type ${body.identifier.type} is not supported here; use m.id.user`);
  }
  const user = body.identifier?.user ?? body.user;
  if (!user) throw new ApiError(400, 'M_MISSING_PARAM', 'name the user in identifier.user');
  if (!user.startsWith('@')) return `@${user.toLowerCase()}:${serverName}`;
  if (!user.endsWith(`:${serverName}`)) throw new ApiError(403, 'M_FORBIDDEN', 'invalid username or password');
  return user;
}

/** One answer for an unknown user, a deactivated one and a wrong password, after the same work. */
export async function checkPassword(node: NodeContext, userId: string, password: string): Promise<void> {
  const credentials = node.subnet.query('messenger', 'credentials', { user_id: userId }, 'ingress') as {
    password_hash: string | null;
    deactivated: boolean;
  } | null;
  const stored = credentials && !credentials.deactivated ? credentials.password_hash : null;
  const valid = stored ? await verifyPassword(password, stored) : await burnPasswordCheck(password);
  if (!valid) throw new ApiError(403, 'M_FORBIDDEN', 'invalid username or password');
}
