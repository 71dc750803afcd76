import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import { ApiError, type NodeContext } from '../../node/index.ts';
import { authenticate } from './authenticate.ts';
import { runCommand, runQuery } from './commands.ts';
import { clientRoute } from './matrix-routes.ts';

const Algorithm = Type.String({ minLength: 1, maxLength: 255 });
const AuthData = Type.Record(Type.String(), Type.Unknown());
const Create = Type.Object({ algorithm: Algorithm, auth_data: AuthData });
const Update = Type.Object({ algorithm: Algorithm, auth_data: AuthData, version: Type.Optional(Type.String({ maxLength: 64 })) });
const VersionParams = Type.Object({ version: Type.String({ minLength: 1, maxLength: 64 }) });

/** The most an auth_data may weigh: a public key and its signatures. */
const MAX_AUTH_DATA_BYTES = 65_536;

/**
 * Key backup versions: create (POST /room_keys/version), read the current one or a given one,
 * change its auth_data, delete it with its keys. Each user sees only their own.
 */
export function registerRoomKeysVersion(server: FastifyInstance, node: NodeContext): void {
  clientRoute(server, 'POST', '/room_keys/version', { body: Create }, async (request) => {
    const session = authenticate(request, node.subnet);
    const body = request.body as Static<typeof Create>;
    return runCommand(
      node.subnet,
      'create_backup_version',
      { algorithm: body.algorithm, auth_data: authDataJson(body.auth_data) },
      session.userId,
    );
  });
  clientRoute(server, 'GET', '/room_keys/version', {}, async (request) => {
    const session = authenticate(request, node.subnet);
    return runQuery(node.subnet, 'backup_version', {}, session.userId);
  });
  clientRoute(server, 'GET', '/room_keys/version/:version', { params: VersionParams }, async (request) => {
    const session = authenticate(request, node.subnet);
    return runQuery(node.subnet, 'backup_version', { version: (request.params as Static<typeof VersionParams>).version }, session.userId);
  });
  clientRoute(server, 'PUT', '/room_keys/version/:version', { params: VersionParams, body: Update }, async (request) => {
    const session = authenticate(request, node.subnet);
    const body = request.body as Static<typeof Update>;
    return runCommand(
      node.subnet,
      'update_backup_version',
      {
        version: (request.params as Static<typeof VersionParams>).version,
        algorithm: body.algorithm,
        auth_data: authDataJson(body.auth_data),
        ...(body.version !== undefined ? { body_version: body.version } : {}),
      },
      session.userId,
    );
  });
  clientRoute(server, 'DELETE', '/room_keys/version/:version', { params: VersionParams }, async (request) => {
    const session = authenticate(request, node.subnet);
    return runCommand(
      node.subnet,
      'delete_backup_version',
      { version: (request.params as Static<typeof VersionParams>).version },
      session.userId,
    );
  });
}

/** auth_data travels as the JSON the client sent: its signatures cover it as it is. */
function authDataJson(authData: Record<string, unknown>): string {
  const json = JSON.stringify(authData);
  if (Buffer.byteLength(json) > MAX_AUTH_DATA_BYTES)
    throw new ApiError(413, 'M_TOO_LARGE', `auth_data may be at most ${MAX_AUTH_DATA_BYTES} bytes`);
  return json;
}
