/** The response headers media is served with, as the content repository module recommends. */

const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
/** RFC 9110 media-type: type "/" subtype, then parameters (token or quoted values). */
const MEDIA_TYPE = new RegExp(`^${TOKEN}/${TOKEN}(\\s*;\\s*${TOKEN}=(${TOKEN}|"[^"\\\\\\x00-\\x1f\\x7f]*"))*$`);

/** What the specification lists as safe to serve `inline`; everything else is an attachment. */
const INLINE_TYPES = new Set([
  'text/css',
  'text/plain',
  'text/csv',
  'application/json',
  'application/ld+json',
  'image/jpeg',
  'image/gif',
  'image/png',
  'image/apng',
  'image/webp',
  'image/avif',
  'video/mp4',
  'video/webm',
  'video/ogg',
  'video/quicktime',
  'audio/mp4',
  'audio/webm',
  'audio/aac',
  'audio/mpeg',
  'audio/ogg',
  'audio/wave',
  'audio/wav',
  'audio/x-wav',
  'audio/x-pn-wav',
  'audio/flac',
  'audio/x-flac',
]);

/**
 * Kept apart from the Matrix client's own origin, a file still must not run script or load
 * anything when opened directly: the policy the specification recommends.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "sandbox; default-src 'none'; script-src 'none'; plugin-types application/pdf; style-src 'unsafe-inline'; object-src 'self';",
  'cross-origin-resource-policy': 'cross-origin',
  'x-content-type-options': 'nosniff',
  // Media never changes under its id; only the person who fetched it may cache it.
  'cache-control': 'private, max-age=604800, immutable',
};

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/** The upload's Content-Type as sent, or the specification's default; undefined when it is not a media type. */
export function uploadedContentType(header: string | undefined): string | undefined {
  if (header === undefined || header.trim() === '') return DEFAULT_CONTENT_TYPE;
  const value = header.trim();
  return value.length <= 255 && MEDIA_TYPE.test(value) ? value : undefined;
}

/** The type/subtype of a Content-Type, lower-cased, without parameters. */
export function essenceOf(contentType: string): string {
  return (contentType.split(';', 1)[0] ?? '').trim().toLowerCase();
}

/**
 * `inline` for the types the specification deems safe, else `attachment`, with the file name
 * when there is one (RFC 6266: a quoted ASCII name, or `filename*` in UTF-8 for any other).
 */
export function contentDisposition(contentType: string, filename: string | undefined): string {
  const disposition = INLINE_TYPES.has(essenceOf(contentType)) ? 'inline' : 'attachment';
  if (filename === undefined || filename === '') return disposition;
  if (/^[\x20-\x7e]*$/.test(filename) && !/["\\]/.test(filename)) return `${disposition}; filename="${filename}"`;
  return `${disposition}; filename*=UTF-8''${encodeRfc5987(filename)}`;
}

/** RFC 5987 attr-chars stay; every other byte of the UTF-8 encoding is percent-encoded. */
function encodeRfc5987(value: string): string {
  return encodeURIComponent(value.toWellFormed()).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
