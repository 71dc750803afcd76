import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import type { NodeContext } from '../../node/index.ts';
import { CrossSigningKeySchema } from '../app/cross-signing.ts';
import { authenticate } from './authenticate.ts';
import { runCommand } from './commands.ts';
import { clientRoute, clientUnstableRoute } from './matrix-routes.ts';
import type { PasswordStage } from './password-stage.ts';

const Body = Type.Object({
  master_key: Type.Optional(CrossSigningKeySchema),
  self_signing_key: Type.Optional(CrossSigningKeySchema),
  user_signing_key: Type.Optional(CrossSigningKeySchema),
  auth: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});

/**
 * POST /keys/device_signing/upload: the user's cross-signing keys. Replacing keys needs the
 * password (user-interactive auth); the first upload, or one repeating the stored keys, does
 * not, as the specification allows — whatever `auth` holds (Element sends `"auth": {}` after
 * an SSO sign-in). Whether it is needed is decided in the executor, against the keys as they
 * are when the upload is applied: the upload is tried without auth first, and `auth` is
 * looked at only when the executor asks for it. Also under the unstable prefix, where
 * Element still sends it.
 */
export function registerDeviceSigningUpload(server: FastifyInstance, node: NodeContext, stage: PasswordStage): void {
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const session = authenticate(request, node.subnet);
    const { auth, ...keys } = request.body as Static<typeof Body>;
    const upload = (authenticated: boolean) =>
      runCommand<{ needs_auth: boolean }>(node.subnet, 'upload_cross_signing_keys', { ...keys, authenticated }, session.userId);
    if (!(await upload(false)).needs_auth) return {};
    if (!(await stage.passed(session, auth as never, reply))) return reply;
    await upload(true);
    return {};
  };
  clientRoute(server, 'POST', '/keys/device_signing/upload', { body: Body }, handler);
  clientUnstableRoute(server, 'POST', '/keys/device_signing/upload', { body: Body }, handler);
}
