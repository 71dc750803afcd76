/** The cookie that ties a sign-in to the browser that started it; only the callback reads it. */
export const SIGN_IN_COOKIE = 'watan_sso';
export const CALLBACK_PATH = '/_watan/v1/identity/oidc/callback';

/** Lax, so the provider's redirect back (a top-level GET) carries it; HttpOnly, so no page script reads it. */
export function signInCookie(value: string, secure: boolean): string {
  return `${SIGN_IN_COOKIE}=${value}; Path=${CALLBACK_PATH}; Max-Age=600; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

export function clearedSignInCookie(): string {
  return `${SIGN_IN_COOKIE}=; Path=${CALLBACK_PATH}; Max-Age=0; HttpOnly; SameSite=Lax`;
}

/** The cookie's value from a Cookie header, if the browser sent it. */
export function signInCookieOf(header: string | undefined): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === SIGN_IN_COOKIE) return value.join('=');
  }
  return undefined;
}
