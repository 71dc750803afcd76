import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import { ApiError, type NodeContext } from '../../node/index.ts';
import { DeviceKeysSchema, OneTimeKeysSchema } from '../app/device-keys.ts';
import { authenticate, requireToken } from './authenticate.ts';
import { runCommand, runQuery } from './commands.ts';

/** MSC3814 is not yet in a stable release of the specification: its endpoints live under its unstable prefix. */
const PREFIX = '/_matrix/client/unstable/org.matrix.msc3814.v1';

const Put = Type.Object({
  device_id: Type.String({ minLength: 1, maxLength: 255 }),
  initial_device_display_name: Type.Optional(Type.String({ maxLength: 255 })),
  device_data: Type.Record(Type.String(), Type.Unknown()),
  device_keys: DeviceKeysSchema,
  one_time_keys: Type.Optional(OneTimeKeysSchema),
  fallback_keys: Type.Optional(OneTimeKeysSchema),
});
const EventsParams = Type.Object({ deviceId: Type.String({ minLength: 1, maxLength: 255 }) });
const EventsQuery = Type.Object({ from: Type.Optional(Type.String({ maxLength: 32 })) });
const EventsBody = Type.Object({ next_batch: Type.Optional(Type.String({ maxLength: 32 })) });

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/**
 * Dehydrated devices (MSC3814): store one (PUT), read it back to rehydrate (GET), delete it,
 * and read the to-device messages it received (GET with `from`, or POST with `next_batch`, as
 * the proposal's revisions say). Reading from a token deletes what came before it.
 */
export function registerDehydratedDevice(server: FastifyInstance, node: NodeContext): void {
  const route = (method: 'GET' | 'PUT' | 'DELETE' | 'POST', path: string, schema: Record<string, unknown>, handler: Handler) =>
    server.route({ method, url: `${PREFIX}${path}`, schema, handler, onRequest: requireToken });
  route('PUT', '/dehydrated_device', { body: Put }, async (request) => {
    const session = authenticate(request, node.subnet);
    const body = request.body as Static<typeof Put>;
    const json = JSON.stringify(body.device_data);
    if (Buffer.byteLength(json) > 65_536) throw new ApiError(413, 'M_TOO_LARGE', 'device_data may be at most 65536 bytes');
    const { unsigned: _unsigned, ...deviceKeys } = body.device_keys as Record<string, unknown>;
    return runCommand(
      node.subnet,
      'put_dehydrated_device',
      {
        device_id: body.device_id,
        ...(body.initial_device_display_name !== undefined ? { display_name: body.initial_device_display_name } : {}),
        device_data: json,
        device_keys: deviceKeys,
        ...(body.one_time_keys ? { one_time_keys: body.one_time_keys } : {}),
        ...(body.fallback_keys ? { fallback_keys: body.fallback_keys } : {}),
      },
      session.userId,
    );
  });
  route('GET', '/dehydrated_device', {}, async (request) =>
    runQuery(node.subnet, 'dehydrated_device', {}, authenticate(request, node.subnet).userId),
  );
  route('DELETE', '/dehydrated_device', {}, async (request) =>
    runCommand(node.subnet, 'delete_dehydrated_device', {}, authenticate(request, node.subnet).userId),
  );
  const events = async (request: FastifyRequest, from: string | undefined) => {
    const session = authenticate(request, node.subnet);
    const { deviceId } = request.params as Static<typeof EventsParams>;
    if (from !== undefined && !/^\d{1,16}$/.test(from)) throw new ApiError(400, 'M_INVALID_PARAM', 'from is not a token this server gave');
    const position = from === undefined ? undefined : Number(from);
    const batch = runQuery<{ events: unknown[]; next_batch?: string; acknowledged_pending: boolean }>(
      node.subnet,
      'dehydrated_device_events',
      { device_id: deviceId, ...(position === undefined ? {} : { from: position }) },
      session.userId,
    );
    if (position !== undefined && batch.acknowledged_pending)
      await runCommand(node.subnet, 'acknowledge_to_device', { device_id: deviceId, up_to: position }, session.userId);
    return { events: batch.events, ...(batch.next_batch !== undefined ? { next_batch: batch.next_batch } : {}) };
  };
  route('GET', '/dehydrated_device/:deviceId/events', { params: EventsParams, querystring: EventsQuery }, async (request) =>
    events(request, (request.query as Static<typeof EventsQuery>).from),
  );
  route('POST', '/dehydrated_device/:deviceId/events', { params: EventsParams, body: EventsBody }, async (request) =>
    events(request, (request.body as Static<typeof EventsBody>).next_batch),
  );
}
