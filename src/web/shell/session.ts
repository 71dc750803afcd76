/**
 * The person behind a page: the access token kept in the `watan_session` cookie (HttpOnly,
 * SameSite=Strict, Secure over https), and who it belongs to, asked of the API once per request.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { callApi, SESSION_COOKIE, sessionTokenOf } from './api.ts';
import { setCookie } from './cookies.ts';

export interface Session {
  userId: string;
}

const known = new WeakMap<FastifyRequest, Promise<Session | undefined>>();

/** The signed-in person of this request, or undefined (no cookie, or a token the node no longer knows). */
export function sessionOf(request: FastifyRequest): Promise<Session | undefined> {
  let session = known.get(request);
  if (!session) {
    session = whoIs(request);
    known.set(request, session);
  }
  return session;
}

async function whoIs(request: FastifyRequest): Promise<Session | undefined> {
  if (!sessionTokenOf(request)) return undefined;
  const answer = await callApi<{ user_id?: string }>(request, 'GET', '/_matrix/client/v3/account/whoami');
  return answer.status === 200 && typeof answer.body.user_id === 'string' ? { userId: answer.body.user_id } : undefined;
}

/** Starts a session: the token goes into the cookie and nowhere else. */
export function startSession(request: FastifyRequest, reply: FastifyReply, accessToken: string): void {
  setCookie(request, reply, SESSION_COOKIE, accessToken);
}

/** Ends the session in this browser. */
export function endSession(request: FastifyRequest, reply: FastifyReply): void {
  setCookie(request, reply, SESSION_COOKIE, '', { maxAgeSeconds: 0 });
}

/**
 * A local path to come back to after signing in: only paths of this site (`/...`, never
 * `//host` or a scheme), so a link cannot send a person elsewhere.
 */
export function localPathOf(value: unknown, fallback = '/'): string {
  // Browsers drop tabs and newlines inside a URL ("/\t/evil" is "//evil") and read "\" as "/".
  if (typeof value !== 'string' || value.length > 2000 || !/^\/(?![/\\])[^\s\\\p{Cc}]*$/u.test(value)) return fallback;
  return value;
}

/**
 * The signed-in person, or undefined after answering with a redirect to the sign-in page
 * (303) that brings them back here. Page handlers return the reply when this is undefined.
 */
export async function requireSession(request: FastifyRequest, reply: FastifyReply): Promise<Session | undefined> {
  const session = await sessionOf(request);
  if (!session) reply.redirect(`/sign-in?next=${encodeURIComponent(localPathOf(request.url))}`, 303);
  return session;
}
