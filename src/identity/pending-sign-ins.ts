import { openWithSecret, sealWithSecret } from '../node/index.ts';

/** How long a person has to finish signing in at the provider. */
export const SIGN_IN_TTL_MS = 10 * 60 * 1000;

const KIND = 'sso-sign-in';

/**
 * A sign-in started and not yet finished (PKCE verifier, nonce, where to return) is kept by
 * nobody but the browser: sealed into the cookie the callback reads, with a key derived from
 * the flow's `state`. The callback may reach any replica behind a load balancer and needs no
 * state shared between them; the verifier is never on a disk or in etcd. Who holds the
 * callback URL (state and code) without the HttpOnly cookie cannot open it, and who holds the
 * cookie without the state cannot either. A replayed callback fails at the provider, which
 * takes an authorization code once.
 */
export function sealSignIn<T extends object>(state: string, flow: T): string {
  const sealed = { flow, expires: Date.now() + SIGN_IN_TTL_MS };
  return sealWithSecret(state, KIND, Buffer.from(JSON.stringify(sealed), 'utf8')).toString('base64url');
}

/** The flow the cookie holds for this state; undefined when it is another flow's, altered, or over. */
export function openSignIn<T extends object>(state: string, cookie: string): T | undefined {
  const plain = openWithSecret(state, KIND, Buffer.from(cookie, 'base64url'));
  if (!plain) return undefined;
  const { flow, expires } = JSON.parse(plain.toString('utf8')) as { flow: T; expires: number };
  return expires > Date.now() ? flow : undefined;
}
