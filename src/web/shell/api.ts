/**
 * The web is a client of the node's own JSON API: every page handler asks the API in-process
 * (Fastify's inject), with the session's access token, so pages get exactly the API's
 * validation, permissions, rate limits and errors.
 */
import type { FastifyRequest } from 'fastify';
import { cookiesOf } from './cookies.ts';

export const SESSION_COOKIE = 'watan_session';

/** An API answer: its status and parsed JSON body (`{ errcode, error }` when refused). */
export interface ApiAnswer<Body = Record<string, unknown>> {
  status: number;
  body: Body & { errcode?: string; error?: string };
}

export interface ApiCallOptions {
  /** The token to use instead of the session's (sign-in has none yet). */
  token?: string | null;
  /** Send `body` as these raw bytes with this content type, instead of JSON. */
  contentType?: string;
}

/** The access token of the request's session cookie, if any. */
export function sessionTokenOf(request: FastifyRequest): string | undefined {
  const token = cookiesOf(request)[SESSION_COOKIE];
  return token && /^[\x21-\x7e]{1,512}$/.test(token) ? token : undefined;
}

/**
 * Calls the node's API at `path` as the person of this request (Authorization: Bearer with
 * the session's token) and parses the answer. The client's address goes along, so
 * per-address limits count the person, not the web.
 */
export async function callApi<Body = Record<string, unknown>>(
  request: FastifyRequest,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
  options: ApiCallOptions = {},
): Promise<ApiAnswer<Body>> {
  const token = options.token === undefined ? sessionTokenOf(request) : options.token;
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  let payload: string | Buffer | undefined;
  if (body !== undefined) {
    if (options.contentType !== undefined) {
      headers['content-type'] = options.contentType;
      payload = body as Buffer;
    } else {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
  }
  const answer = await request.server.inject({
    method,
    url: path,
    headers,
    remoteAddress: request.ip,
    ...(payload !== undefined ? { payload } : {}),
  });
  let parsed: unknown;
  try {
    parsed = answer.body === '' ? {} : JSON.parse(answer.body);
  } catch {
    parsed = { errcode: 'M_UNKNOWN', error: `the API answered ${answer.statusCode} without JSON` };
  }
  const shaped = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : { value: parsed };
  return { status: answer.statusCode, body: shaped as ApiAnswer<Body>['body'] };
}

/** A file the API answers with: its status, content type and bytes (a refusal's JSON in `body`). */
export interface ApiFile {
  status: number;
  contentType: string;
  bytes: Buffer;
  body: { errcode?: string; error?: string };
}

/** Asks the API for a file as the person of this request, for the web to hand on. */
export async function callApiForFile(request: FastifyRequest, path: string): Promise<ApiFile> {
  const token = sessionTokenOf(request);
  const answer = await request.server.inject({
    method: 'GET',
    url: path,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    remoteAddress: request.ip,
  });
  const contentType = String(answer.headers['content-type'] ?? 'application/octet-stream');
  let body: ApiFile['body'] = {};
  if (answer.statusCode !== 200) {
    try {
      body = JSON.parse(answer.body) as ApiFile['body'];
    } catch {
      body = { errcode: 'M_UNKNOWN', error: `the API answered ${answer.statusCode}` };
    }
  }
  return { status: answer.statusCode, contentType, bytes: answer.rawPayload, body };
}
