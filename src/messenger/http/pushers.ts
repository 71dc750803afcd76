import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import { ApiError, type NodeContext } from '../../node/index.ts';
import { authenticate } from './authenticate.ts';
import { runCommand, runQuery } from './commands.ts';
import { clientRoute } from './matrix-routes.ts';

const SetBody = Type.Object({
  pushkey: Type.String({ minLength: 1, maxLength: 512 }),
  kind: Type.Union([Type.String({ maxLength: 64 }), Type.Null()]),
  app_id: Type.String({ minLength: 1, maxLength: 64 }),
  app_display_name: Type.Optional(Type.String({ maxLength: 255 })),
  device_display_name: Type.Optional(Type.String({ maxLength: 255 })),
  profile_tag: Type.Optional(Type.String({ maxLength: 255 })),
  lang: Type.Optional(Type.String({ maxLength: 64 })),
  data: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  append: Type.Optional(Type.Boolean()),
});
type SetBody = Static<typeof SetBody>;

/** The path the specification gives every push gateway's notify endpoint. */
const NOTIFY_PATH = '/_matrix/push/v1/notify';
const MAX_DATA_JSON = 4096;

/**
 * GET /pushers and POST /pushers/set (client-server §Push notifications). A pusher belongs to
 * the device that set it. The server keeps them; sending to the push gateway comes later.
 */
export function registerPushers(server: FastifyInstance, node: NodeContext): void {
  clientRoute(server, 'GET', '/pushers', {}, async (request) => {
    const { userId } = authenticate(request, node.subnet);
    return { pushers: runQuery(node.subnet, 'pushers', {}, userId) };
  });
  clientRoute(server, 'POST', '/pushers/set', { body: SetBody }, async (request) => {
    const session = authenticate(request, node.subnet);
    const body = request.body as SetBody;
    if (body.kind === null) {
      await runCommand(node.subnet, 'delete_pusher', { app_id: body.app_id, pushkey: body.pushkey }, session.userId);
      return {};
    }
    const pusher = checkedPusher(body, body.kind);
    await runCommand(node.subnet, 'set_pusher', { device_id: session.deviceId, pusher, append: body.append === true }, session.userId);
    return {};
  });
}

/** The pusher as the executor takes it, or the error a client can correct. */
function checkedPusher(body: SetBody, kind: string): Record<string, unknown> {
  if (kind === 'email')
    throw new ApiError(400, 'M_INVALID_PARAM', 'email pushers need an email address on the account; this server binds none');
  if (kind !== 'http') throw new ApiError(400, 'M_INVALID_PARAM', `kind must be http (or null to delete), not ${kind}`);
  const missing = (['app_display_name', 'device_display_name', 'lang', 'data'] as const).filter((key) => body[key] === undefined);
  if (missing.length > 0) throw new ApiError(400, 'M_MISSING_PARAM', `a pusher needs ${missing.join(', ')}`);
  const data = body.data as Record<string, unknown>;
  checkGatewayUrl(data.url);
  if (data.format !== undefined && data.format !== 'event_id_only')
    throw new ApiError(400, 'M_INVALID_PARAM', 'data.format may only be event_id_only (or absent, for full events)');
  const dataJson = JSON.stringify(data);
  if (Buffer.byteLength(dataJson) > MAX_DATA_JSON)
    throw new ApiError(400, 'M_TOO_LARGE', `a pusher's data may take ${MAX_DATA_JSON} bytes`);
  return {
    app_id: body.app_id,
    pushkey: body.pushkey,
    kind: 'http',
    app_display_name: body.app_display_name,
    device_display_name: body.device_display_name,
    ...(body.profile_tag !== undefined ? { profile_tag: body.profile_tag } : {}),
    lang: body.lang,
    data_json: dataJson,
  };
}

/** An http pusher names its push gateway's notify URL (https, or http for a gateway on a private network). */
function checkGatewayUrl(url: unknown): void {
  if (typeof url !== 'string') throw new ApiError(400, 'M_MISSING_PARAM', 'an http pusher needs data.url, its push gateway');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ApiError(400, 'M_INVALID_PARAM', `data.url is not a URL: ${url.slice(0, 100)}`);
  }
  if ((parsed.protocol !== 'https:' && parsed.protocol !== 'http:') || parsed.pathname !== NOTIFY_PATH)
    throw new ApiError(400, 'M_INVALID_PARAM', `data.url must be the push gateway's https URL ending in ${NOTIFY_PATH}`);
}
