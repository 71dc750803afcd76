/**
 * Bodies of the web's forms: url-encoded fields, and multipart/form-data when a form carries
 * a file. Registered only in the web's own scope; the node's API keeps reading JSON alone.
 */
import type { FastifyInstance } from 'fastify';

/** A form's text fields (a repeated name keeps every value, in order) and its files. */
export interface FormBody {
  fields: Record<string, string>;
  all: Record<string, string[]>;
  files: Record<string, UploadedFile>;
}

export interface UploadedFile {
  filename: string;
  contentType: string;
  bytes: Buffer;
}

/** Largest form the web reads: the builder's file limit and a little for the other fields. */
export const MAX_FORM_BYTES = 20 * 1024 * 1024 + 64 * 1024;

export class FormBodyError extends Error {
  override name = 'FormBodyError';
}

function emptyBody(): FormBody {
  return { fields: {}, all: {}, files: {} };
}

function addField(body: FormBody, name: string, value: string): void {
  body.fields[name] = value;
  const values = body.all[name] ?? [];
  values.push(value);
  body.all[name] = values;
}

/** A url-encoded form. */
export function parseUrlEncoded(text: string): FormBody {
  const body = emptyBody();
  for (const [name, value] of new URLSearchParams(text)) addField(body, name, value);
  return body;
}

/** The parameter of a header value (`name="x"`), unquoted. */
function headerParameter(header: string, name: string): string | undefined {
  const match =
    new RegExp(`(?:^|;)\\s*${name}="((?:[^"\\\\]|\\\\.)*)"`, 'i').exec(header) ??
    new RegExp(`(?:^|;)\\s*${name}=([^;]+)`, 'i').exec(header);
  return match?.[1]?.replace(/\\(.)/g, '$1').trim();
}

/** A multipart/form-data body (RFC 7578): each part's headers, then its bytes up to the next boundary. */
export function parseMultipart(bytes: Buffer, contentType: string): FormBody {
  const boundary = headerParameter(contentType, 'boundary');
  if (!boundary) throw new FormBodyError('a multipart form needs a boundary');
  const delimiter = Buffer.from(`--${boundary}`);
  const body = emptyBody();
  let at = bytes.indexOf(delimiter);
  if (at === -1) throw new FormBodyError('the multipart form has no parts');
  while (true) {
    at += delimiter.length;
    if (bytes.subarray(at, at + 2).toString() === '--') return body;
    const headersEnd = bytes.indexOf('\r\n\r\n', at);
    if (headersEnd === -1) throw new FormBodyError('a part of the multipart form has no end of headers');
    const headers = bytes.subarray(at, headersEnd).toString('utf8');
    const next = bytes.indexOf(Buffer.from(`\r\n--${boundary}`), headersEnd + 4);
    if (next === -1) throw new FormBodyError('the multipart form ends before its closing boundary');
    const content = bytes.subarray(headersEnd + 4, next);
    const disposition = /^content-disposition:(.*)$/im.exec(headers)?.[1] ?? '';
    const name = headerParameter(disposition, 'name');
    if (name !== undefined) {
      const filename = headerParameter(disposition, 'filename');
      if (filename === undefined) addField(body, name, content.toString('utf8'));
      else if (filename !== '' || content.length > 0) {
        const type = /^content-type:(.*)$/im.exec(headers)?.[1]?.trim() || 'application/octet-stream';
        body.files[name] = { filename, contentType: type, bytes: Buffer.from(content) };
      }
    }
    at = next + 2;
  }
}

/** Lets routes of this scope read forms; the body arrives as a FormBody. */
export function readFormBodies(scope: FastifyInstance): void {
  scope.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: MAX_FORM_BYTES },
    (_request, text, done) => done(null, parseUrlEncoded(text as string)),
  );
  scope.addContentTypeParser('multipart/form-data', { parseAs: 'buffer', bodyLimit: MAX_FORM_BYTES }, (request, bytes, done) => {
    try {
      done(null, parseMultipart(bytes as Buffer, request.headers['content-type'] ?? ''));
    } catch (error) {
      done(Object.assign(error as Error, { statusCode: 400 }), undefined);
    }
  });
}

/** The request's form, or an empty one when the body was not a form. */
export function formOf(body: unknown): FormBody {
  if (body !== null && typeof body === 'object' && 'fields' in body && 'files' in body) return body as FormBody;
  return emptyBody();
}
