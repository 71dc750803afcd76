import { createHmac, type JsonWebKey } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type ClientMetadata, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { publicJwk } from '../credential-format.ts';
import { CREDENTIAL_LIFETIME_S, issueCredential, issuerMetadata } from './credential-issuer.ts';
import { loadOrCreateProviderKeys, type ProviderKeys } from './keys.ts';
import { MemoryAdapter } from './memory-adapter.ts';
import { CNIC_FORMAT, findPerson, loadPeople, type Person } from './people.ts';
import { FormError, readForm, renderSignIn, sendHtml, sendJson } from './sign-in-page.ts';

/** A relying party the development provider serves (Watan's node, by default). */
export interface DevelopmentClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}

export interface DevelopmentProviderOptions {
  /** Port to listen on; 0 picks a free one. */
  port: number;
  host: string;
  /** Where its keys live (created 0700, files 0600). */
  dataDir: string;
  clients: DevelopmentClient[];
  /** The synthetic people; by default the seed file beside this module. */
  people?: Person[];
}

export interface RunningProvider {
  /** The issuer URL, which is also the discovery base (/.well-known/openid-configuration). */
  issuer: string;
  /** The SD-JWT VC issuer key (public JWK) a verifier trusts for this issuer. */
  credentialKey: JsonWebKey & { kid?: string };
  close(): Promise<void>;
}

/**
 * The development identity provider: a standards-conforming OpenID Provider (oidc-provider)
 * with a sign-in page for synthetic people (CNIC and PIN), pairwise subjects, discovery and
 * JWKS, and an SD-JWT VC issuer for the same people. For development and tests only.
 */
export async function startDevelopmentProvider(options: DevelopmentProviderOptions): Promise<RunningProvider> {
  const keys = loadOrCreateProviderKeys(options.dataDir);
  const people = options.people ?? loadPeople();
  let handle: (request: IncomingMessage, response: ServerResponse) => void = (_request, response) => {
    response.statusCode = 503;
    response.end();
  };
  const server = createServer((request, response) => handle(request, response));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host === '0.0.0.0' || options.host === '::' ? 'localhost' : options.host;
  const issuer = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const provider = new Provider(issuer, configuration(keys, people, options.clients));
  provider.on('server_error', (_ctx, error) => process.stderr.write(`watan idp: ${error.message}\n`));
  const callback = provider.callback();
  handle = (request, response) => {
    route(request, response, { provider, people, keys, issuer, clients: options.clients }).then(
      (handled) => {
        if (!handled) callback(request, response);
      },
      (error: Error & { statusCode?: number; error?: string; error_description?: string }) => {
        if (response.headersSent) return;
        // oidc-provider's own errors (an expired interaction, a missing cookie) and bad forms are
        // the caller's: 4xx with OAuth's error shape. Anything else is a fault of this provider.
        const status = error.statusCode ?? (error instanceof SyntaxError || error instanceof FormError ? 400 : 500);
        const code = error.error ?? (status < 500 ? 'invalid_request' : 'server_error');
        sendJson(response, status, { error: code, error_description: error.error_description ?? error.message });
      },
    );
  };
  return {
    issuer,
    credentialKey: publicJwk(keys.credential),
    close: () => closeServer(server),
  };
}

interface Routing {
  provider: Provider;
  people: Person[];
  keys: ProviderKeys;
  issuer: string;
  clients: DevelopmentClient[];
}

/** The provider's own pages; everything else is oidc-provider's. Answers true when it handled the request. */
async function route(request: IncomingMessage, response: ServerResponse, routing: Routing): Promise<boolean> {
  const url = new URL(request.url ?? '/', routing.issuer);
  const interaction = /^\/interaction\/([\w-]+)$/.exec(url.pathname);
  if (interaction && request.method === 'GET') {
    const details = await routing.provider.interactionDetails(request, response);
    sendHtml(response, 200, renderSignIn(details.uid));
    return true;
  }
  if (interaction && request.method === 'POST') {
    await signIn(request, response, routing);
    return true;
  }
  if (url.pathname === '/.well-known/jwt-vc-issuer' && request.method === 'GET') {
    sendJson(response, 200, issuerMetadata(routing.issuer, routing.keys.credential));
    return true;
  }
  if (url.pathname === '/credentials/verified-person' && request.method === 'POST') {
    await issueForPerson(request, response, routing);
    return true;
  }
  return false;
}

async function signIn(request: IncomingMessage, response: ServerResponse, routing: Routing): Promise<void> {
  const details = await routing.provider.interactionDetails(request, response);
  const form = await readForm(request);
  const cnic = (form.get('cnic') ?? '').trim();
  const pin = form.get('pin') ?? '';
  if (!CNIC_FORMAT.test(cnic)) {
    sendHtml(response, 400, renderSignIn(details.uid, 'Enter the CNIC as 00000-0000000-0.'));
    return;
  }
  const person = findPerson(routing.people, cnic, pin);
  if (!person) {
    sendHtml(response, 401, renderSignIn(details.uid, 'That CNIC and PIN do not match a test person.'));
    return;
  }
  await routing.provider.interactionFinished(request, response, { login: { accountId: person.id } }, { mergeWithLastSubmission: false });
}

/**
 * POST /credentials/verified-person with `cnic`, `pin`, `client_id` (whose pairwise subject
 * the credential carries) and optionally `lifetime_seconds` (negative gives an expired
 * credential, for tests of refusals): answers {credential}.
 */
async function issueForPerson(request: IncomingMessage, response: ServerResponse, routing: Routing): Promise<void> {
  const form = await readForm(request);
  const person = findPerson(routing.people, (form.get('cnic') ?? '').trim(), form.get('pin') ?? '');
  if (!person) {
    sendJson(response, 401, { error: 'access_denied', error_description: 'that CNIC and PIN do not match a test person' });
    return;
  }
  const clientId = form.get('client_id') ?? routing.clients[0]?.clientId;
  if (!routing.clients.some((client) => client.clientId === clientId)) {
    sendJson(response, 400, { error: 'invalid_client', error_description: `no client ${clientId}` });
    return;
  }
  const lifetime = form.has('lifetime_seconds') ? Number(form.get('lifetime_seconds')) : CREDENTIAL_LIFETIME_S;
  if (!Number.isSafeInteger(lifetime) || Math.abs(lifetime) > 10 * CREDENTIAL_LIFETIME_S) {
    sendJson(response, 400, { error: 'invalid_request', error_description: 'lifetime_seconds is a whole number of seconds' });
    return;
  }
  const credential = await issueCredential(person, {
    issuer: routing.issuer,
    audience: clientId as string,
    subject: pairwiseSubject(routing.keys, person.id, clientId as string),
    key: routing.keys.credential,
    lifetimeSeconds: lifetime,
    now: new Date(),
  });
  sendJson(response, 200, { credential });
}

/** Same person and client, same subject; across clients, unlinkable without the provider's key. */
function pairwiseSubject(keys: ProviderKeys, accountId: string, clientId: string): string {
  return createHmac('sha256', Buffer.from(keys.pairwise, 'base64url')).update(`${clientId}\n${accountId}`).digest('base64url');
}

function configuration(keys: ProviderKeys, people: Person[], clients: DevelopmentClient[]): Configuration {
  const byId = new Map(people.map((person) => [person.id, person]));
  return {
    adapter: MemoryAdapter,
    clients: clients.map(
      (client): ClientMetadata => ({
        client_id: client.clientId,
        client_secret: client.clientSecret,
        redirect_uris: client.redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
        subject_type: 'pairwise',
        // Every ID token says when the person signed in, as a relying party that checks it needs.
        require_auth_time: true,
      }),
    ),
    jwks: { keys: [keys.idToken as never] },
    cookies: { keys: [keys.cookie] },
    subjectTypes: ['public', 'pairwise'],
    // Pairwise per client rather than per redirect host, so a development node on a new port keeps its people.
    pairwiseIdentifier: async (_ctx: KoaContextWithOIDC, accountId: string, client) => pairwiseSubject(keys, accountId, client.clientId),
    claims: {
      openid: ['sub'],
      profile: ['name', 'birthdate'],
      organisation: ['organisation'],
    },
    features: {
      devInteractions: { enabled: false },
      claimsParameter: { enabled: true },
      // The sign-in page needs no client-side script; no other feature is used.
      revocation: { enabled: false },
    },
    pkce: { required: () => true },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: async (_ctx, id) => {
      const person = byId.get(id);
      if (!person) return undefined;
      return {
        accountId: id,
        claims: async () => ({
          sub: id,
          name: person.name,
          birthdate: person.birthdate,
          ...(person.organisation ? { organisation: person.organisation } : {}),
        }),
      };
    },
    // A development provider stands in for consent: what its registered clients ask is granted.
    loadExistingGrant: async (ctx) => {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session?.grantIdFor(ctx.oidc.client?.clientId as string);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      if (!ctx.oidc.session?.accountId || !ctx.oidc.client) return undefined;
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope([...ctx.oidc.requestParamOIDCScopes].join(' '));
      grant.addOIDCClaims([...ctx.oidc.requestParamClaims]);
      await grant.save();
      return grant;
    },
    renderError: async (ctx, out) => {
      ctx.type = 'application/json';
      ctx.body = out;
    },
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      IdToken: 600,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
    },
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
