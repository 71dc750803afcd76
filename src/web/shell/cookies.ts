/** Cookies read from and written to a request, without a library: the web keeps only two. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { originOf } from './csrf.ts';

/** The request's cookies by name (the first of a repeated name wins). */
export function cookiesOf(request: FastifyRequest): Record<string, string> {
  const found: Record<string, string> = {};
  for (const pair of (request.headers.cookie ?? '').split(';')) {
    const at = pair.indexOf('=');
    if (at < 1) continue;
    const name = pair.slice(0, at).trim();
    if (name in found) continue;
    try {
      found[name] = decodeURIComponent(pair.slice(at + 1).trim());
    } catch {
      // A value that is not URI-encoded is nobody's cookie of ours.
    }
  }
  return found;
}

/** Whether the browser reaches us over https (the public URL's scheme, else as the node sees the request). */
export function isHttps(request: FastifyRequest): boolean {
  return originOf(request).startsWith('https:');
}

export interface CookieOptions {
  /** Without it, the cookie lasts the browser session. */
  maxAgeSeconds?: number;
  /** HttpOnly unless said otherwise. */
  httpOnly?: boolean;
}

/** Adds a Set-Cookie (SameSite=Strict, Path=/, Secure over https) to the reply, beside any already set. */
export function setCookie(request: FastifyRequest, reply: FastifyReply, name: string, value: string, options: CookieOptions = {}): void {
  const parts = [`${name}=${encodeURIComponent(value)}`, 'Path=/', 'SameSite=Strict'];
  if (options.httpOnly !== false) parts.push('HttpOnly');
  if (isHttps(request)) parts.push('Secure');
  if (options.maxAgeSeconds !== undefined) parts.push(`Max-Age=${options.maxAgeSeconds}`);
  const previous = reply.getHeader('set-cookie');
  const list = previous === undefined ? [] : Array.isArray(previous) ? previous.map(String) : [String(previous)];
  reply.header('set-cookie', [...list, parts.join('; ')]);
}
