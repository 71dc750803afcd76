import * as oidc from 'openid-client';
import { openSignIn, sealSignIn } from './pending-sign-ins.ts';

/** How Watan is registered at an OpenID provider: all a real provider hands its relying parties. */
export interface ProviderSettings {
  /** The Matrix `identity_providers[].id` clients see (and put in /login/sso/redirect/{idpId}). */
  id: string;
  /** What clients show on the sign-in button. */
  name: string;
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The callback registered at the provider: `<public URL>/_watan/v1/identity/oidc/callback`. */
  redirectUri: string;
  /** Scopes asked for; claims beyond `sub` are asked individually (the claims parameter). */
  scope: string;
  /** The ID-token claim in which the provider states an official's organisation ({ministry, department}). */
  organisationClaim: string;
}

/** What the sign-in asked to happen once the person comes back. */
export interface SignInIntent {
  /** The Matrix client's redirectUrl, where the login token goes (empty when reauthenticating). */
  redirectUrl: string;
  /** Sign in, register, or prove again who one is for a user-interactive auth session. */
  action: 'login' | 'register' | 'reauthenticate';
  /** With `reauthenticate`: the user-interactive auth session the sign-in completes. */
  uiaSession?: string;
}

/** The claims a completed sign-in yields; held only in memory, never stored or logged. */
export interface ProviderClaims {
  issuer: string;
  subject: string;
  birthdate?: string;
  organisation?: unknown;
}

/** How a sign-in must happen at the provider (OpenID Connect Core §3.1.2.1). */
export interface SignInPrompt {
  /** `login`: the provider asks the person again even when it has a session for them. */
  prompt?: 'login';
  /** Seconds since the person last signed in at the provider; 0 asks for a sign-in now, and for `auth_time` in the ID token. */
  maxAge?: number;
}

/** What the callback needs of the sign-in it finishes: the intent, the PKCE verifier, the nonce and when it began. */
type PendingFlow = SignInIntent & { verifier: string; nonce: string; startedAt: number; maxAge?: number };

export class SignInError extends Error {
  override name = 'SignInError';
}

/**
 * Claims asked of the provider (OpenID Connect Core §5.5): the birth date, and an official's
 * organisation. Nothing else (no name): what is not asked for cannot leak.
 */
function claimsRequest(organisationClaim: string): string {
  return JSON.stringify({ id_token: { birthdate: { essential: true }, [organisationClaim]: null } });
}

/**
 * Watan as an OpenID Connect relying party (openid-client): authorization code flow with
 * PKCE (S256), `state` and `nonce`. The issuer's metadata comes from discovery, at first use
 * and again after a failure; everything else is in ProviderSettings.
 */
export class RelyingParty {
  readonly settings: ProviderSettings;
  private configuration: Promise<oidc.Configuration> | undefined;

  constructor(settings: ProviderSettings) {
    this.settings = settings;
  }

  /**
   * Starts a sign-in: the provider URL to send the browser to, and a value for a cookie that
   * binds the flow to that browser (a login started in one browser cannot be finished in another):
   * the flow itself, sealed (pending-sign-ins.ts), so any replica can finish it.
   * For `reauthenticate` (and with `max_age`), the callback accepts only an ID token whose
   * `auth_time` is not before the flow began (less max_age): the person signed in for this flow.
   */
  async begin(intent: SignInIntent, asked: SignInPrompt = {}): Promise<{ authorizationUrl: string; browserBinding: string }> {
    const configuration = await this.discovered();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    // Whole seconds, as auth_time is: a sign-in within the second the flow began counts as after it.
    const startedAt = Math.floor(Date.now() / 1000);
    const flow: PendingFlow = { ...intent, verifier, nonce, startedAt, ...(asked.maxAge !== undefined ? { maxAge: asked.maxAge } : {}) };
    const browserBinding = sealSignIn(state, flow);
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.settings.redirectUri,
      scope: this.settings.scope,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      claims: claimsRequest(this.settings.organisationClaim),
      ...(asked.prompt ? { prompt: asked.prompt } : {}),
      ...(asked.maxAge !== undefined ? { max_age: String(asked.maxAge) } : {}),
    });
    return { authorizationUrl: url.href, browserBinding };
  }

  /** Completes a sign-in from the callback's query: code for tokens, ID token checked (issuer, audience, nonce, signature). */
  async complete(query: URLSearchParams, browserBinding: string | undefined): Promise<{ claims: ProviderClaims; intent: SignInIntent }> {
    const state = query.get('state');
    const flow = state && browserBinding ? openSignIn<PendingFlow>(state, browserBinding) : undefined;
    // Without the cookie that sealed it, a made-up state and one started in another browser look alike.
    if (!flow)
      throw new SignInError(
        'this sign-in is unknown or has expired (after 10 minutes), or it was started in another browser; start again from your client',
      );
    const providerError = query.get('error');
    if (providerError) throw new SignInError(`the identity provider refused the sign-in (${providerError}); start again from your client`);
    const configuration = await this.discovered();
    const callback = new URL(this.settings.redirectUri);
    callback.search = query.toString();
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(configuration, callback, {
        pkceCodeVerifier: flow.verifier,
        expectedState: state as string,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      throw new SignInError(`the identity provider's answer could not be verified: ${(error as Error).message}`);
    }
    const idToken = tokens.claims();
    if (!idToken) throw new SignInError('the identity provider gave no ID token');
    // Confirming it is you takes a sign-in made for this flow, whatever the provider was asked;
    // other sign-ins that asked for max_age take one no older than it.
    if (flow.action === 'reauthenticate') signedInSince(idToken.auth_time, flow.startedAt);
    else if (flow.maxAge !== undefined) signedInSince(idToken.auth_time, flow.startedAt - flow.maxAge);
    const claims: ProviderClaims = { issuer: idToken.iss, subject: idToken.sub };
    if (typeof idToken.birthdate === 'string') claims.birthdate = idToken.birthdate;
    const organisation = idToken[this.settings.organisationClaim];
    if (organisation !== undefined) claims.organisation = organisation;
    return {
      claims,
      intent: { redirectUrl: flow.redirectUrl, action: flow.action, ...(flow.uiaSession ? { uiaSession: flow.uiaSession } : {}) },
    };
  }

  private discovered(): Promise<oidc.Configuration> {
    if (!this.configuration) {
      const issuer = new URL(this.settings.issuer);
      const options = isLoopbackHttp(issuer) ? { execute: [oidc.allowInsecureRequests], timeout: 10 } : { timeout: 10 };
      this.configuration = oidc.discovery(
        issuer,
        this.settings.clientId,
        undefined,
        oidc.ClientSecretBasic(this.settings.clientSecret),
        options,
      );
      // A provider that was down at first use is asked again next time.
      this.configuration.catch(() => {
        this.configuration = undefined;
      });
    }
    return this.configuration.catch((error: Error) => {
      throw new SignInError(`the identity provider ${this.settings.issuer} cannot be reached: ${error.message}`);
    });
  }
}

/**
 * A provider that kept an old session instead of asking again (ignoring prompt=login and
 * max_age) must not complete a confirmation: its auth_time says when the person really signed in.
 */
function signedInSince(authTime: unknown, earliest: number): void {
  if (typeof authTime !== 'number')
    throw new SignInError('the identity provider did not say when you signed in (auth_time); it cannot confirm it is you');
  if (authTime < earliest)
    throw new SignInError('the identity provider did not ask you to sign in again; confirming it is you needs a fresh sign-in');
}

/** Plain HTTP is accepted only for a provider on this machine (the development provider); others need HTTPS. */
export function isLoopbackHttp(url: URL): boolean {
  return url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}
