import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import type { MatrixClient } from 'matrix-js-sdk';
import { createClient } from 'matrix-js-sdk';
import { type RunningWatan, startWatan } from '../cli/run-watan.ts';
import { Browser } from './browser.ts';

/** Where the tests' client asks to come back to; never fetched: the login token is read from the redirect. */
export const CLIENT_RETURN_URL = 'http://client.invalid/after-sign-in';

export type SsoOutcome =
  | { loginToken: string; confirmedClient?: string }
  | { refused: { status: number; errcode?: string; error: string } };

/**
 * A person's SSO sign-in as Element does it: matrix-js-sdk reads the login flows and builds
 * the redirect URL; the browser goes to the provider, the person submits CNIC and PIN on the
 * sign-in page (skipped when the provider already has their session), confirms the client on
 * Watan's page when the client is not a trusted one, and the browser comes back to the
 * client with a login token, or stops at the page that refuses.
 */
export async function ssoSignIn(
  baseUrl: string,
  person: { cnic: string; pin: string },
  options: { action?: 'login' | 'register'; browser?: Browser } = {},
): Promise<SsoOutcome> {
  const client = createClient({ baseUrl });
  const flows = await client.loginFlows();
  const sso = flows.flows.find((flow) => flow.type === 'm.login.sso') as { identity_providers?: { id: string }[] } | undefined;
  const idpId = sso?.identity_providers?.[0]?.id;
  if (!idpId) throw new Error(`GET /login offers no m.login.sso flow with an identity provider: ${JSON.stringify(flows)}`);
  const browser = options.browser ?? new Browser();
  const start = client.getSsoLoginUrl(CLIENT_RETURN_URL, 'sso', idpId, options.action as never);
  const back = (location: string) => location.startsWith(CLIENT_RETURN_URL);
  let step = await browser.follow(start, back);
  let confirmed: string | undefined;
  // At most two pages ask something: the provider's sign-in form (skipped when it knows the
  // person already) and Watan's confirmation of the client the login token goes to.
  for (let pages = 0; pages < 2 && 'page' in step && isHtml(step.page); pages++) {
    const html = await step.page.text();
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
    if (!action) {
      step = { page: new Response(html, { status: step.page.status, headers: step.page.headers }), url: step.url };
      break;
    }
    const target = new URL(action, step.url).href;
    if (action.includes('/interaction/')) {
      step = await browser.follow(target, back, { cnic: person.cnic, pin: person.pin });
    } else {
      confirmed = /<strong>([^<]+)<\/strong> is asking for access/.exec(html)?.[1];
      const confirmation = /name="confirmation" value="([^"]+)"/.exec(html)?.[1] ?? '';
      step = await browser.follow(target, back, { confirmation });
    }
  }
  if ('arrivedAt' in step) {
    const loginToken = new URL(step.arrivedAt).searchParams.get('loginToken');
    if (!loginToken) throw new Error(`came back to the client without a login token: ${step.arrivedAt}`);
    return { loginToken, ...(confirmed ? { confirmedClient: confirmed } : {}) };
  }
  const text = await step.page.text();
  let body: { errcode?: string; error?: string } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    const errcode = /\((M_[A-Z_]+)\)/.exec(text)?.[1];
    body = {
      ...(errcode ? { errcode } : {}),
      error: text
        .replace(/<[^>]+>/g, ' ')
        .replace(/\s+/g, ' ')
        .trim(),
    };
  }
  return { refused: { status: step.page.status, ...(body.errcode ? { errcode: body.errcode } : {}), error: body.error ?? text } };
}

/** The login token redeemed through matrix-js-sdk's m.login.token: a signed-in client. */
export async function signedInClient(baseUrl: string, loginToken: string): Promise<MatrixClient> {
  const anonymous = createClient({ baseUrl });
  const session = await anonymous.loginRequest({ type: 'm.login.token', token: loginToken });
  return createClient({ baseUrl, userId: session.user_id, accessToken: session.access_token, deviceId: session.device_id });
}

function isHtml(response: Response): boolean {
  return response.status === 200 && (response.headers.get('content-type') ?? '').includes('text/html');
}

/**
 * A `watan start --dev` node for the tests of one describe block: sign-in limits out of the
 * way, the tests' client trusted for SSO (no confirmation page), `extra` flags appended; killed
 * and its data folder removed after the block.
 */
export function ssoTestNode(name: string, extra: readonly string[] = []): { readonly url: string; readonly dir: string } {
  let dir: string | undefined;
  let node: RunningWatan | undefined;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), `watan-${name}-`));
    node = await startWatan([
      '--dev',
      '--data',
      dir,
      '--port',
      '0',
      '--auth-rate-limit',
      '1000',
      '--sso-trusted-client',
      CLIENT_RETURN_URL,
      ...extra,
    ]);
  });
  after(async () => {
    await node?.kill();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the node starts before the first test');
    return value;
  };
  return {
    get url() {
      return started(node).url;
    },
    get dir() {
      return started(dir);
    },
  };
}
