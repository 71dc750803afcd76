import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import { ApiError, type NodeContext } from '../../node/index.ts';
import { authenticate } from './authenticate.ts';
import { runCommand, runQuery } from './commands.ts';
import { clientRoute } from './matrix-routes.ts';
import type { PasswordStage } from './password-stage.ts';

const DeviceParams = Type.Object({ deviceId: Type.String({ minLength: 1, maxLength: 255 }) });
const Auth = Type.Optional(Type.Record(Type.String(), Type.Unknown()));

interface Device {
  device_id: string;
  display_name?: string;
}

/** A user's devices: list, read, rename, and delete (proving the password first). */
export function registerDevices(server: FastifyInstance, node: NodeContext, stage: PasswordStage): void {
  const devicesOf = (userId: string) => runQuery<Device[]>(node.subnet, 'devices', {}, userId);
  clientRoute(server, 'GET', '/devices', {}, async (request) => ({ devices: devicesOf(authenticate(request, node.subnet).userId) }));
  clientRoute(server, 'GET', '/devices/:deviceId', { params: DeviceParams }, async (request) => {
    const { deviceId } = request.params as Static<typeof DeviceParams>;
    const device = devicesOf(authenticate(request, node.subnet).userId).find((d) => d.device_id === deviceId);
    if (!device) throw new ApiError(404, 'M_NOT_FOUND', `you have no device ${deviceId}`);
    return device;
  });
  clientRoute(
    server,
    'PUT',
    '/devices/:deviceId',
    { params: DeviceParams, body: Type.Object({ display_name: Type.Optional(Type.String({ maxLength: 255 })) }) },
    async (request) => {
      const session = authenticate(request, node.subnet);
      const { display_name: name } = request.body as { display_name?: string };
      if (name !== undefined)
        await runCommand(
          node.subnet,
          'rename_device',
          { device_id: (request.params as Static<typeof DeviceParams>).deviceId, display_name: name },
          session.userId,
        );
      return {};
    },
  );
  clientRoute(
    server,
    'DELETE',
    '/devices/:deviceId',
    { params: DeviceParams, body: Type.Optional(Type.Object({ auth: Auth })) },
    async (request, reply) => {
      const session = authenticate(request, node.subnet);
      if (!(await stage.passed(session, (request.body as { auth?: never } | undefined)?.auth, reply))) return reply;
      await runCommand(
        node.subnet,
        'delete_devices',
        { device_ids: [(request.params as Static<typeof DeviceParams>).deviceId] },
        session.userId,
      );
      return {};
    },
  );
  const DeleteMany = Type.Object({ devices: Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { maxItems: 1000 }), auth: Auth });
  clientRoute(server, 'POST', '/delete_devices', { body: DeleteMany }, async (request, reply) => {
    const session = authenticate(request, node.subnet);
    const body = request.body as Static<typeof DeleteMany>;
    if (!(await stage.passed(session, body.auth as never, reply))) return reply;
    await runCommand(node.subnet, 'delete_devices', { device_ids: body.devices }, session.userId);
    return {};
  });
}
