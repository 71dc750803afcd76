/** Events of room version 11: their shape, hashes, redaction, ids, and the identifiers they carry. */
export { Base64Error, decodeBase64, decodeBase64Url, encodeUnpaddedBase64, encodeUnpaddedBase64Url } from './base64.ts';
export { contentHash, verifyContentHash, withContentHash } from './content-hash.ts';
export { EventIdError, eventIdOf, referenceHash } from './event-id.ts';
export { type GlobOptions, globMatches, globMatchesWords } from './glob.ts';
export {
  type EventId,
  MAX_IDENTIFIER_BYTES,
  type Parsed,
  parseEventId,
  parseHistoricalUserId,
  parseRoomAlias,
  parseRoomId,
  parseServerName,
  parseUserId,
  type RoomAlias,
  type RoomId,
  type ServerName,
  type UserId,
} from './identifiers.ts';
export { type ClientEvent, type EventObject, type JsonObject, type Pdu, toClientEvent } from './pdu.ts';
export { parsePropertyPath, propertyAt } from './property-path.ts';
export { REDACTION_KEPT_KEYS, type Redacted, type RedactionKeptKey, redact } from './redaction.ts';
