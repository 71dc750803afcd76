import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import { ApiError, type NodeContext } from '../../node/index.ts';
import { hashPassword, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../auth/password.ts';
import { authenticate } from './authenticate.ts';
import { runCommand, runQuery } from './commands.ts';
import { clientRoute } from './matrix-routes.ts';
import type { PasswordStage } from './password-stage.ts';

const Auth = Type.Optional(Type.Record(Type.String(), Type.Unknown()));
const PasswordBody = Type.Object({
  new_password: Type.String({ minLength: MIN_PASSWORD_LENGTH, maxLength: MAX_PASSWORD_LENGTH }),
  logout_devices: Type.Optional(Type.Boolean()),
  auth: Auth,
});
const DeactivateBody = Type.Optional(
  Type.Object({ auth: Auth, erase: Type.Optional(Type.Boolean()), id_server: Type.Optional(Type.String()) }),
);

/** A new password, and deactivation: both prove the current password first. */
export function registerAccount(server: FastifyInstance, node: NodeContext, stage: PasswordStage): void {
  clientRoute(server, 'POST', '/account/password', { body: PasswordBody }, async (request, reply) => {
    const session = authenticate(request, node.subnet);
    const body = request.body as Static<typeof PasswordBody>;
    // A password would be a way into a verified account that skips the identity provider:
    // whoever stole a session could set one and keep the account after the person signs out.
    if (runQuery<string | null>(node.subnet, 'bound_person', { user_id: session.userId }, 'ingress') !== null)
      throw new ApiError(
        403,
        'M_FORBIDDEN',
        'accounts bound to a verified person sign in through the identity provider and cannot have a password',
      );
    if (!(await stage.passed(session, body.auth as never, reply))) return reply;
    const args = {
      password_hash: await hashPassword(body.new_password),
      keep_device_id: session.deviceId,
      logout_devices: body.logout_devices ?? true,
    };
    await runCommand(node.subnet, 'change_password', args, session.userId);
    return {};
  });
  clientRoute(server, 'POST', '/account/deactivate', { body: DeactivateBody }, async (request, reply) => {
    const session = authenticate(request, node.subnet);
    if (!(await stage.passed(session, (request.body as { auth?: never } | undefined)?.auth, reply))) return reply;
    await runCommand(node.subnet, 'deactivate', {}, session.userId);
    return { id_server_unbind_result: 'no-support' };
  });
}
