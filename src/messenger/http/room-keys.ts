import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import { ApiError, type NodeContext } from '../../node/index.ts';
import { authenticate } from './authenticate.ts';
import { runCommand, runQuery } from './commands.ts';
import { clientRoute } from './matrix-routes.ts';

const VersionQuery = Type.Object({ version: Type.String({ minLength: 1, maxLength: 64 }) });
const Id = Type.String({ minLength: 1, maxLength: 255 });
const RoomParams = Type.Object({ roomId: Id });
const SessionParams = Type.Object({ roomId: Id, sessionId: Id });
const KeyBackupData = Type.Object({
  first_message_index: Type.Integer({ minimum: 0 }),
  forwarded_count: Type.Integer({ minimum: 0 }),
  is_verified: Type.Boolean(),
  session_data: Type.Record(Type.String(), Type.Unknown()),
});
const Sessions = Type.Record(Id, KeyBackupData, { maxProperties: 10_000 });
const RoomBody = Type.Object({ sessions: Sessions });
const AllBody = Type.Object({ rooms: Type.Record(Id, RoomBody, { maxProperties: 10_000 }) });

type KeyData = Static<typeof KeyBackupData>;
type Scope = { room_id?: string; session_id?: string };

/** The most one session's encrypted data may weigh. */
const MAX_SESSION_DATA_BYTES = 65_536;

/**
 * The keys in a backup, at the three levels the specification defines: every room
 * (/room_keys/keys), one room (/{roomId}) and one session (/{roomId}/{sessionId}), each to
 * store (PUT, current version only), read (GET) and delete (DELETE). Stores answer the
 * backup's new `etag` and `count`.
 */
export function registerRoomKeys(server: FastifyInstance, node: NodeContext): void {
  const levels: {
    path: string;
    params?: typeof RoomParams | typeof SessionParams;
    body: typeof AllBody | typeof RoomBody | typeof KeyBackupData;
  }[] = [
    { path: '/room_keys/keys', body: AllBody },
    { path: '/room_keys/keys/:roomId', params: RoomParams, body: RoomBody },
    { path: '/room_keys/keys/:roomId/:sessionId', params: SessionParams, body: KeyBackupData },
  ];
  for (const { path, params, body } of levels) {
    const schema = { querystring: VersionQuery, ...(params ? { params } : {}) };
    clientRoute(server, 'PUT', path, { ...schema, body }, async (request) => {
      const session = authenticate(request, node.subnet);
      const rooms = roomsOf(scopeOf(request), request.body as never);
      return runCommand(node.subnet, 'put_backup_keys', { version: versionOf(request), rooms }, session.userId);
    });
    clientRoute(server, 'GET', path, schema, async (request) => {
      const session = authenticate(request, node.subnet);
      return runQuery(node.subnet, 'backup_keys', { version: versionOf(request), ...scopeOf(request) }, session.userId);
    });
    clientRoute(server, 'DELETE', path, schema, async (request) => {
      const session = authenticate(request, node.subnet);
      return runCommand(node.subnet, 'delete_backup_keys', { version: versionOf(request), ...scopeOf(request) }, session.userId);
    });
  }
}

function versionOf(request: FastifyRequest): string {
  return (request.query as Static<typeof VersionQuery>).version;
}

function scopeOf(request: FastifyRequest): Scope {
  const params = (request.params ?? {}) as { roomId?: string; sessionId?: string };
  return {
    ...(params.roomId !== undefined ? { room_id: params.roomId } : {}),
    ...(params.sessionId !== undefined ? { session_id: params.sessionId } : {}),
  };
}

/** Any level's body as the one shape the executor takes: room id to session id to key, session data as JSON text. */
function roomsOf(scope: Scope, body: Static<typeof AllBody> | Static<typeof RoomBody> | KeyData): Record<string, Record<string, unknown>> {
  const all =
    scope.session_id !== undefined && scope.room_id !== undefined
      ? { [scope.room_id]: { sessions: { [scope.session_id]: body as KeyData } } }
      : scope.room_id !== undefined
        ? { [scope.room_id]: body as Static<typeof RoomBody> }
        : (body as Static<typeof AllBody>).rooms;
  const rooms: Record<string, Record<string, unknown>> = {};
  for (const [roomId, { sessions }] of Object.entries(all)) {
    rooms[roomId] = {};
    for (const [sessionId, key] of Object.entries(sessions)) {
      const sessionData = JSON.stringify(key.session_data);
      if (Buffer.byteLength(sessionData) > MAX_SESSION_DATA_BYTES)
        throw new ApiError(413, 'M_TOO_LARGE', `a session's session_data may be at most ${MAX_SESSION_DATA_BYTES} bytes`);
      (rooms[roomId] as Record<string, unknown>)[sessionId] = {
        first_message_index: key.first_message_index,
        forwarded_count: key.forwarded_count,
        is_verified: key.is_verified,
        session_data: sessionData,
      };
    }
  }
  return rooms;
}
