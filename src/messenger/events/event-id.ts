/**
 * Event ids of room versions 4 and later, so of version 11: `$` followed by the reference
 * hash of the event in URL-safe unpadded Base64 (rooms/v4 §Event IDs).
 *
 * The reference hash (server-server API §Calculating the reference hash for an event):
 * redact the event, remove `signatures`, `age_ts` and `unsigned`, encode as canonical JSON,
 * SHA-256. Because the event is redacted first, the id covers only what survives redaction,
 * plus `hashes`, whose content hash covers everything else.
 */
import { hash } from 'node:crypto';
import { canonicalJsonBytes } from '../../subnet/index.ts';
import { encodeUnpaddedBase64Url } from './base64.ts';
import type { EventObject } from './pdu.ts';
import { redactedView } from './redaction.ts';

export class EventIdError extends Error {
  override name = 'EventIdError';
}

/** Keys removed after redaction. Redaction already drops `age_ts` and `unsigned`; the list is the specification's. */
const NOT_REFERENCED = ['signatures', 'age_ts', 'unsigned'];

/** The 32-byte SHA-256 reference hash. Throws CanonicalJsonError for non-JSON values. */
export function referenceHash(event: EventObject): Buffer {
  const redacted: Record<string, unknown> = redactedView(event);
  for (const key of NOT_REFERENCED) delete redacted[key];
  return hash('sha256', canonicalJsonBytes(redacted), 'buffer');
}

/**
 * The event id of a room version 11 event. The event must not carry an `event_id`: redaction
 * keeps that key, so it would be hashed into the id it claims to be.
 */
export function eventIdOf(event: EventObject): string {
  if (Object.hasOwn(event, 'event_id')) {
    throw new EventIdError(
      'the event has an event_id key; in room version 11 the id is derived from the event, so compute it from the PDU without event_id',
    );
  }
  return `$${encodeUnpaddedBase64Url(referenceHash(event))}`;
}
