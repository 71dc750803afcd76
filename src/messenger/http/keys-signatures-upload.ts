import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { NodeContext } from '../../node/index.ts';
import { authenticate } from './authenticate.ts';
import { runCommand } from './commands.ts';
import { clientRoute } from './matrix-routes.ts';
import { localUsersOf } from './remote-users.ts';

const UserId = Type.String({ pattern: '^@[^:]+:.+$', maxLength: 255 });
const Body = Type.Record(
  UserId,
  Type.Record(Type.String({ minLength: 1, maxLength: 255 }), Type.Record(Type.String(), Type.Unknown()), { maxProperties: 1000 }),
  // Record keys that fail the user id pattern would otherwise pass as extra properties.
  { maxProperties: 1000, additionalProperties: false },
);

/**
 * POST /keys/signatures/upload: signatures on the caller's devices and master key, and on
 * other users' master keys. Each is verified in the executor; those that fail are listed
 * in `failures` (M_INVALID_SIGNATURE for a signature that does not verify).
 */
export function registerSignaturesUpload(server: FastifyInstance, node: NodeContext): void {
  clientRoute(server, 'POST', '/keys/signatures/upload', { body: Body }, async (request) => {
    const session = authenticate(request, node.subnet);
    const { local, failures: remote } = localUsersOf(
      request.body as Record<string, Record<string, Record<string, unknown>>>,
      node.serverName,
    );
    const { failures } = await runCommand<{ failures: Record<string, unknown> }>(
      node.subnet,
      'upload_signatures',
      { signed: local },
      session.userId,
    );
    // A user of another server is a failure of each key asked for, under that user.
    const unreached: Record<string, Record<string, { errcode: string; error: string }>> = {};
    for (const [userId, objects] of Object.entries(request.body as Record<string, Record<string, unknown>>)) {
      if (userId in local) continue;
      const failure = remote[userId.slice(userId.indexOf(':') + 1)] as { errcode: string; error: string };
      unreached[userId] = Object.fromEntries(Object.keys(objects).map((keyId) => [keyId, failure]));
    }
    return { failures: { ...unreached, ...failures } };
  });
}
