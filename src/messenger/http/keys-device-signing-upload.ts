import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import type { NodeContext } from '../../node/index.ts';
import { CrossSigningKeySchema } from '../app/cross-signing.ts';
import { authenticate } from './authenticate.ts';
import { runCommand } from './commands.ts';
import { clientRoute } from './matrix-routes.ts';
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
 * not, as the specification allows. Whether it is needed is decided in the executor, against
 * the keys as they are when the upload is applied.
 */
export function registerDeviceSigningUpload(server: FastifyInstance, node: NodeContext, stage: PasswordStage): void {
  clientRoute(server, 'POST', '/keys/device_signing/upload', { body: Body }, async (request, reply) => {
    const session = authenticate(request, node.subnet);
    const { auth, ...keys } = request.body as Static<typeof Body>;
    let authenticated = false;
    if (auth !== undefined) {
      if (!(await stage.passed(session, auth as never, reply))) return reply;
      authenticated = true;
    }
    const result = await runCommand<{ needs_auth: boolean }>(
      node.subnet,
      'upload_cross_signing_keys',
      { ...keys, authenticated },
      session.userId,
    );
    if (result.needs_auth) {
      await stage.passed(session, undefined, reply);
      return reply;
    }
    return {};
  });
}
