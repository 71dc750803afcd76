import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import type { NodeContext } from '../../node/index.ts';
import { DeviceKeysSchema, OneTimeKeysSchema } from '../app/device-keys.ts';
import { authenticate } from './authenticate.ts';
import { runCommand } from './commands.ts';
import { clientRoute } from './matrix-routes.ts';

const Body = Type.Object({
  device_keys: Type.Optional(DeviceKeysSchema),
  one_time_keys: Type.Optional(OneTimeKeysSchema),
  fallback_keys: Type.Optional(OneTimeKeysSchema),
});

/**
 * POST /keys/upload: the device's identity keys, one-time keys and fallback keys, for the
 * device the access token belongs to. The executor checks every signature.
 */
export function registerKeysUpload(server: FastifyInstance, node: NodeContext): void {
  clientRoute(server, 'POST', '/keys/upload', { body: Body }, async (request) => {
    const session = authenticate(request, node.subnet);
    const body = request.body as Static<typeof Body>;
    const { unsigned: _unsigned, ...deviceKeys } = (body.device_keys ?? {}) as Record<string, unknown>;
    const result = await runCommand<{ one_time_key_counts: Record<string, number> }>(
      node.subnet,
      'upload_keys',
      {
        device_id: session.deviceId,
        ...(body.device_keys ? { device_keys: deviceKeys } : {}),
        ...(body.one_time_keys ? { one_time_keys: body.one_time_keys } : {}),
        ...(body.fallback_keys ? { fallback_keys: body.fallback_keys } : {}),
      },
      session.userId,
    );
    return { one_time_key_counts: result.one_time_key_counts };
  });
}
