/**
 * Unpadded Base64 and URL-safe unpadded Base64, as the appendices define them: RFC 4648
 * without `=` padding. Decoding accepts input with or without padding, as the appendix asks,
 * but refuses characters of the other alphabet and impossible lengths, which Node's own
 * decoder would silently skip or truncate.
 */

export class Base64Error extends Error {
  override name = 'Base64Error';
}

const STANDARD = /^[A-Za-z0-9+/]*$/;
const URL_SAFE = /^[A-Za-z0-9_-]*$/;

/** Standard alphabet (`+`, `/`), no padding. */
export function encodeUnpaddedBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64').replace(/=+$/, '');
}

/** URL-safe alphabet (`-`, `_`), no padding. */
export function encodeUnpaddedBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/** Decodes standard Base64, padded or not. Throws Base64Error on anything else. */
export function decodeBase64(text: string): Buffer {
  return Buffer.from(checked(text, STANDARD, 'standard Base64 (A-Z, a-z, 0-9, + and /)'), 'base64');
}

/** Decodes URL-safe Base64, padded or not. Throws Base64Error on anything else. */
export function decodeBase64Url(text: string): Buffer {
  return Buffer.from(checked(text, URL_SAFE, 'URL-safe Base64 (A-Z, a-z, 0-9, - and _)'), 'base64url');
}

/** The text without padding, once its alphabet, padding and length are known to be sound. */
function checked(text: string, alphabet: RegExp, alphabetName: string): string {
  const padding = /=*$/.exec(text)?.[0].length ?? 0;
  const body = text.slice(0, text.length - padding);
  if (!alphabet.test(body)) {
    throw new Base64Error(`${JSON.stringify(abbreviate(text))} is not ${alphabetName}`);
  }
  if (body.length % 4 === 1) {
    throw new Base64Error(
      `${JSON.stringify(abbreviate(text))} has ${body.length} Base64 characters; no byte string encodes to a length of 4n+1`,
    );
  }
  if (padding > 0 && (padding > 2 || (body.length + padding) % 4 !== 0)) {
    throw new Base64Error(
      `${JSON.stringify(abbreviate(text))} has ${padding} "=" where padding to a multiple of four needs ${(4 - (body.length % 4)) % 4}`,
    );
  }
  return body;
}

function abbreviate(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
