import { ApiError } from '../../node/index.ts';

/**
 * Every token the messenger hands out for a place in its streams, formatted and read here and
 * nowhere else: a /sync `next_batch`, a timeline's `prev_batch`, `/messages` `start`/`end`,
 * `/context`, `/relations` and `/keys/changes` positions.
 *
 * A token is `s<stream>` — the subnet's order of accepted events, the same on every replica
 * and across restarts — followed, in a sync token, by the parts the other streams need:
 * `_t<n>` this node's typing serial, `_p<instance>.<n>` the presence serial with the presence
 * store it belongs to (another node or a restart does not know them; then typing and presence
 * are simply sent afresh), and `_d<n>` how far to-device delivery got when one sync could not
 * carry every message up to the stream position. Any token is a valid pagination token, as the
 * specification lets clients page from a sync's `next_batch`; a sync token issued before a
 * part existed stays valid.
 */
export interface SyncPosition {
  stream: number;
  typing: number;
  presence?: { instance: string; serial: number };
  /** How far to-device delivery got, when it is behind `stream`. */
  toDevice?: number;
}

/** The longest token the format allows, for request schemas. */
export const MAX_TOKEN_LENGTH = 128;

const TOKEN = /^s(\d{1,16})(?:_t(\d{1,16}))?(?:_p([0-9a-f]{1,32})\.(\d{1,16}))?(?:_d(\d{1,16}))?$/;

/** A pagination token: a place in the stream of room events. */
export function formatStreamToken(stream: number): string {
  return `s${stream}`;
}

/** A /sync `next_batch`: where every stream of this sync got to. */
export function formatSyncToken(position: SyncPosition): string {
  const presence = position.presence === undefined ? '' : `_p${position.presence.instance}.${position.presence.serial}`;
  const toDevice = position.toDevice === undefined ? '' : `_d${position.toDevice}`;
  return `s${position.stream}_t${position.typing}${presence}${toDevice}`;
}

/** Reads any token this server issued; `name` is the parameter it came in, for the error. */
export function parseSyncToken(token: string, name: string): SyncPosition {
  const match = TOKEN.exec(token);
  if (!match) throw new ApiError(400, 'M_INVALID_PARAM', `${name} is not a token this server issued; start again without it`);
  const [, stream, typing, instance, serial, toDevice] = match;
  return {
    stream: Number(stream),
    typing: Number(typing ?? 0),
    ...(instance !== undefined && serial !== undefined ? { presence: { instance, serial: Number(serial) } } : {}),
    ...(toDevice !== undefined && Number(toDevice) < Number(stream) ? { toDevice: Number(toDevice) } : {}),
  };
}

/** The stream position of any token this server issued (a pagination token or a sync's `next_batch`); undefined when absent. */
export function parseStreamToken(token: string | undefined, name: string): number | undefined {
  return token === undefined ? undefined : parseSyncToken(token, name).stream;
}
