/**
 * Cross-site request forgery: a state-changing request to a page must come from a page of
 * this site, as the browser's Origin (or, failing that, Referer) header says. SameSite=Strict
 * on the session cookie is the second layer.
 */
import type { FastifyRequest } from 'fastify';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const publicOrigins = new WeakMap<FastifyRequest, string>();

/**
 * Names this site's origin for the request when the node is configured with the URL browsers
 * use (`--public-url`): behind a TLS-terminating proxy the node itself sees plain http and
 * perhaps another Host, and only the configured URL says what the browser sees.
 */
export function setPublicOrigin(request: FastifyRequest, origin: string): void {
  publicOrigins.set(request, origin);
}

/** This site's origin as the browser names it: the configured public URL's, else scheme and Host header. */
export function originOf(request: FastifyRequest): string {
  return publicOrigins.get(request) ?? `${request.protocol}://${request.headers.host ?? ''}`;
}

/** Whether the request may change state: a safe method, or one whose Origin/Referer is this site. */
export function isSameOriginRequest(request: FastifyRequest): boolean {
  if (SAFE_METHODS.has(request.method)) return true;
  const own = originOf(request);
  const origin = request.headers.origin;
  if (origin !== undefined) return origin === own;
  const referer = request.headers.referer;
  if (referer === undefined) return false;
  try {
    return new URL(referer).origin === own;
  } catch {
    return false;
  }
}
