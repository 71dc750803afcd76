/**
 * The shape of an event in a room of version 11: the persistent data unit (PDU) servers
 * exchange, and the event a client receives. Specification: rooms/v11 §Event format
 * (server-server `pdu_v11`), and the client-server "ClientEvent".
 */
import type { JsonValue } from '../../subnet/index.ts';

export type JsonObject = { [key: string]: JsonValue };

/**
 * Any event as a JSON object: a Pdu, a ClientEvent, or a PDU received with keys the Pdu type
 * does not name (an `origin` from an older server, say). Hashing and redaction work on every
 * key present, not only the ones a type names.
 */
export type EventObject = { readonly [key: string]: unknown };

/**
 * A room version 11 PDU. Version 11 has no top-level `redacts` (it lives in the content of
 * `m.room.redaction`) and no `origin`; the event id is not part of the event (room versions
 * 4 and later derive it from the reference hash).
 */
export type Pdu = {
  auth_events: string[];
  content: JsonObject;
  /** The maximum depth of the `prev_events`, plus one; at most 2^53 - 1. */
  depth: number;
  /** `sha256` is the unpadded base64 content hash. */
  hashes: { sha256: string };
  origin_server_ts: number;
  prev_events: string[];
  room_id: string;
  sender: string;
  /** Server name → signing key id (`ed25519:…`) → unpadded base64 signature. */
  signatures: { [serverName: string]: { [keyId: string]: string } };
  /** Present exactly when the event is a state event. */
  state_key?: string;
  type: string;
  /** Added by servers in transit; covered by neither hash nor signature. */
  unsigned?: JsonObject;
};

/** An event as the Client-Server API serves it. */
export type ClientEvent = {
  content: JsonObject;
  event_id: string;
  origin_server_ts: number;
  /**
   * Only on `m.room.redaction`: a copy of `content.redacts`, which rooms/v11 asks servers to
   * add at the top level for older clients.
   */
  redacts?: string;
  room_id: string;
  sender: string;
  state_key?: string;
  type: string;
  unsigned?: JsonObject;
};

/**
 * The event a client sees for a PDU. The id is passed in (see `eventIdOf`) so that a stored
 * id is not recomputed on every read. The result shares `content` with the PDU: treat both
 * as read-only.
 */
export function toClientEvent(pdu: Pdu, eventId: string, unsigned?: JsonObject): ClientEvent {
  const event: ClientEvent = {
    content: pdu.content,
    event_id: eventId,
    origin_server_ts: pdu.origin_server_ts,
    room_id: pdu.room_id,
    sender: pdu.sender,
    type: pdu.type,
  };
  if (pdu.state_key !== undefined) event.state_key = pdu.state_key;
  if (pdu.type === 'm.room.redaction' && typeof pdu.content.redacts === 'string') event.redacts = pdu.content.redacts;
  if (unsigned !== undefined) event.unsigned = unsigned;
  return event;
}
