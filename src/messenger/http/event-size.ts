import { ApiError } from '../../node/index.ts';
import { CanonicalJsonError, canonicalJson } from '../../subnet/index.ts';
import { MAX_EVENT_BYTES } from '../app/room-events.ts';

/**
 * Event content as it travels through the log: one canonical JSON string, opaque to the log's
 * checks (a message may well have a field named `token`). Refuses content that cannot make an
 * event before it reaches the log: over the size limit, or not expressible in canonical JSON.
 */
export function assertEventFits(content: unknown): string {
  let encoded: string;
  try {
    encoded = canonicalJson(content);
  } catch (error) {
    if (error instanceof CanonicalJsonError) throw new ApiError(400, 'M_BAD_JSON', `the content cannot be an event: ${error.message}`);
    throw error;
  }
  const bytes = Buffer.byteLength(encoded);
  if (bytes > MAX_EVENT_BYTES)
    throw new ApiError(413, 'M_TOO_LARGE', `the content is ${bytes} bytes; an event may be at most ${MAX_EVENT_BYTES}`);
  return encoded;
}
