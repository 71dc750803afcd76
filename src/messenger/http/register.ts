import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import { ApiError, type NodeContext } from '../../node/index.ts';
import { hashPassword, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../auth/password.ts';
import { newDeviceId } from '../auth/tokens.ts';
import { runCommand } from './commands.ts';
import { clientRoute } from './matrix-routes.ts';
import { limitAuth, type RateLimits } from './rate-limits.ts';
import { newSessionTokens } from './session-tokens.ts';
import { MAX_UIA_SESSION_LENGTH, openUiaSession, readUiaSession } from './uia-session.ts';

const RegisterBody = Type.Object({
  auth: Type.Optional(
    Type.Object({ type: Type.Optional(Type.String()), session: Type.Optional(Type.String({ maxLength: MAX_UIA_SESSION_LENGTH })) }),
  ),
  username: Type.Optional(Type.String({ maxLength: 255 })),
  password: Type.Optional(Type.String({ maxLength: MAX_PASSWORD_LENGTH })),
  device_id: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  initial_device_display_name: Type.Optional(Type.String({ maxLength: 255 })),
  inhibit_login: Type.Optional(Type.Boolean()),
  refresh_token: Type.Optional(Type.Boolean()),
});
const RegisterQuery = Type.Object({ kind: Type.Optional(Type.String()) });
const AvailableQuery = Type.Object({ username: Type.String({ minLength: 1, maxLength: 255 }) });

const LOCALPART = /^[a-z0-9._=/+-]+$/;

export interface RegistrationPolicy {
  /** Password registration: a development switch; production accounts come through the identity provider. */
  open: boolean;
  /** Lifetime of access tokens handed to clients that take refresh tokens. */
  accessTokenLifetimeMs: number;
}

/**
 * Registration with user-interactive auth. The one stage offered is m.login.dummy: the
 * interactive step exists so that later stages (the identity provider, a registration token)
 * slot into the same flow. Sessions are signed by the replica that opened them, so a client
 * may finish on any replica of the subnet (uia-session.ts).
 */
export function registerRegister(server: FastifyInstance, node: NodeContext, policy: RegistrationPolicy, limits: RateLimits): void {
  clientRoute(
    server,
    'POST',
    '/register',
    { body: RegisterBody, querystring: RegisterQuery },
    async (request, reply) => {
      const body = request.body as Static<typeof RegisterBody>;
      const { kind = 'user' } = request.query as Static<typeof RegisterQuery>;
      if (kind === 'guest') throw new ApiError(403, 'M_GUEST_ACCESS_FORBIDDEN', 'guest accounts are not available on this server');
      if (kind !== 'user') throw new ApiError(400, 'M_INVALID_PARAM', `kind must be user or guest, not ${kind}`);
      if (!policy.open) {
        throw new ApiError(
          403,
          'M_FORBIDDEN',
          'registration with a password is closed on this server; sign in with the national identity provider',
        );
      }
      // What is given is checked at once; what is missing may come later: clients probe with an
      // empty body to learn the flows, then send the credentials with the completed stage.
      const localpart = body.username === undefined ? undefined : checkLocalpart(body.username);
      if (body.password !== undefined) checkPassword(body.password);
      if (!completedDummyStage(body.auth, node)) {
        const session = openUiaSession(node, { purpose: REGISTER });
        return reply.code(401).send({ flows: [{ stages: ['m.login.dummy'] }], params: {}, session });
      }
      if (body.password === undefined) throw new ApiError(400, 'M_MISSING_PARAM', 'choose a password for the account');
      const tokens = body.inhibit_login === true ? undefined : newSessionTokens(body.refresh_token === true, policy.accessTokenLifetimeMs);
      const deviceId = body.device_id ?? newDeviceId();
      const registered = await runCommand<{ user_id: string }>(
        node.subnet,
        'register',
        {
          ...(localpart ? { localpart } : {}),
          server_name: node.serverName,
          password_hash: await hashPassword(body.password),
          device_id: deviceId,
          ...tokens?.args,
          ...(body.initial_device_display_name ? { display_name: body.initial_device_display_name } : {}),
        },
        'anonymous',
      );
      return tokens ? { user_id: registered.user_id, device_id: deviceId, ...tokens.response } : { user_id: registered.user_id };
    },
    limitAuth(limits),
  );

  clientRoute(
    server,
    'GET',
    '/register/available',
    { querystring: AvailableQuery },
    async (request) => {
      // Where nobody can register, nobody needs to know which names exist.
      if (!policy.open) throw new ApiError(403, 'M_FORBIDDEN', 'registration with a password is closed on this server');
      const localpart = checkLocalpart((request.query as Static<typeof AvailableQuery>).username);
      const taken = node.subnet.query('messenger', 'user_exists', { user_id: `@${localpart}:${node.serverName}` }, 'ingress') as boolean;
      if (taken) throw new ApiError(400, 'M_USER_IN_USE', `the username ${localpart} is taken`);
      return { available: true };
    },
    limitAuth(limits),
  );
}

/** Usernames map onto localparts by lower-casing; anything else outside the grammar is refused. */
function checkLocalpart(username: string): string {
  const localpart = username.toLowerCase();
  if (!LOCALPART.test(localpart) || localpart.length > 200) {
    throw new ApiError(400, 'M_INVALID_USERNAME', 'a username may hold only letters, digits and . _ = - / + (at most 200)');
  }
  return localpart;
}

function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH)
    throw new ApiError(400, 'M_WEAK_PASSWORD', `choose a password of at least ${MIN_PASSWORD_LENGTH} characters`);
}

/**
 * A request that carries the dummy stage completes it by itself: `session` is optional in the
 * specification, and clients such as matrix-nio register in one request without one. A
 * session that is named must still be a registration session a replica of this subnet opened,
 * not run out.
 */
function completedDummyStage(auth: Static<typeof RegisterBody>['auth'], node: NodeContext): boolean {
  if (auth?.type !== 'm.login.dummy') return false;
  if (auth.session === undefined) return true;
  return readUiaSession(node, auth.session)?.purpose === REGISTER;
}

const REGISTER = 'register';
