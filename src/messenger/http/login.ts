import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import { ApiError, type NodeContext } from '../../node/index.ts';
import { burnPasswordCheck, MAX_PASSWORD_LENGTH, verifyPassword } from '../auth/password.ts';
import { newAccessToken, newDeviceId, tokenHash } from '../auth/tokens.ts';
import { runCommand } from './commands.ts';
import { clientRoute } from './matrix-routes.ts';
import { limitAuth, type RateLimits } from './rate-limits.ts';

const LoginBody = Type.Object({
  type: Type.String(),
  identifier: Type.Optional(Type.Object({ type: Type.String(), user: Type.Optional(Type.String({ maxLength: 255 })) })),
  user: Type.Optional(Type.String({ maxLength: 255 })),
  password: Type.Optional(Type.String({ maxLength: MAX_PASSWORD_LENGTH })),
  device_id: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  initial_device_display_name: Type.Optional(Type.String({ maxLength: 255 })),
  refresh_token: Type.Optional(Type.Boolean()),
});

/** Password sign-in; the national identity provider's SSO joins these flows later. */
export function registerLogin(server: FastifyInstance, node: NodeContext, limits: RateLimits): void {
  clientRoute(server, 'GET', '/login', {}, async () => ({ flows: [{ type: 'm.login.password' }] }));
  clientRoute(
    server,
    'POST',
    '/login',
    { body: LoginBody },
    async (request) => {
      const body = request.body as Static<typeof LoginBody>;
      if (body.type !== 'm.login.password')
        throw new ApiError(400, 'M_UNKNOWN', `login type ${body.type} is not supported here; use m.login.password`);
      const userId = userIdOf(body, node.serverName);
      if (body.password === undefined) throw new ApiError(400, 'M_BAD_JSON', 'm.login.password needs a password');
      await checkPassword(node, userId, body.password);
      const token = newAccessToken();
      const deviceId = body.device_id ?? newDeviceId();
      await runCommand(
        node.subnet,
        'login',
        {
          user_id: userId,
          device_id: deviceId,
          token_hash: tokenHash(token),
          ...(body.initial_device_display_name ? { display_name: body.initial_device_display_name } : {}),
        },
        userId,
      );
      return { user_id: userId, access_token: token, device_id: deviceId };
    },
    limitAuth(limits),
  );
}

/** The user being signed in: a localpart or a full user id of this server. */
function userIdOf(body: Static<typeof LoginBody>, serverName: string): string {
  if (body.identifier && body.identifier.type !== 'm.id.user') {
    throw new ApiError(400, 'M_UNKNOWN', `identifier type ${body.identifier.type} is not supported here; use m.id.user`);
  }
  const user = body.identifier?.user ?? body.user;
  if (!user) throw new ApiError(400, 'M_BAD_JSON', 'name the user in identifier.user');
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
