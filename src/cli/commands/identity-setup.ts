import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULT_ACCOUNT_POLICY,
  type IdentityConfig,
  isLoopbackHttp,
  loadOrCreateBindingSecret,
  loadOrCreateClientSecret,
  RelyingParty,
  type RunningProvider,
  readBindingSecret,
  readPrivateFile,
  startDevelopmentProvider,
  type TrustedIssuer,
  TrustedKeyError,
  trustedKeyOf,
} from '../../identity/index.ts';
import { SSO_CALLBACK_PATH } from '../../messenger/index.ts';
import { freePort } from '../../subnet/index.ts';
import { CliUsageError, parsePort } from '../usage.ts';

/** The `watan start` flags of national identity. */
export const identityFlags = {
  'oidc-issuer': { type: 'string' },
  'oidc-client-id': { type: 'string' },
  'oidc-client-secret-file': { type: 'string' },
  'oidc-provider-name': { type: 'string' },
  'oidc-organisation-claim': { type: 'string' },
  'public-url': { type: 'string' },
  'idp-port': { type: 'string' },
  'accounts-per-person': { type: 'string' },
  'minimum-age': { type: 'string' },
  'trusted-issuers-file': { type: 'string' },
  'identity-admin': { type: 'string', multiple: true },
  'identity-secret-file': { type: 'string' },
  'sso-trusted-client': { type: 'string', multiple: true },
} as const;

export interface IdentityFlagValues {
  'oidc-issuer'?: string;
  'oidc-client-id'?: string;
  'oidc-client-secret-file'?: string;
  'oidc-provider-name'?: string;
  'oidc-organisation-claim'?: string;
  'public-url'?: string;
  'idp-port'?: string;
  'accounts-per-person'?: string;
  'minimum-age'?: string;
  'trusted-issuers-file'?: string;
  'identity-admin'?: string[];
  'identity-secret-file'?: string;
  'sso-trusted-client'?: string[];
}

export interface IdentitySetup {
  /** What the messenger is given; undefined when this node binds no accounts to people. */
  config: IdentityConfig | undefined;
  /** The node's port, chosen here when it was 0 (the callback URL must be known before the node starts). */
  port: number;
  /** The in-process development provider of `--dev`. */
  provider?: RunningProvider;
}

/** The development provider's client id for the node it runs beside. */
const DEVELOPMENT_CLIENT_ID = 'watan-dev';

/**
 * Sets up national identity for `watan start`. Flags are checked first (usage errors touch
 * nothing); with `--oidc-issuer` the node is a relying party of that provider; with `--dev`
 * and no issuer, a development provider starts in this process on its own port and the node
 * is wired to it; otherwise SSO is off.
 */
export async function setUpIdentity(
  flags: IdentityFlagValues,
  node: { dataDir: string; host: string; port: number; dev: boolean },
): Promise<IdentitySetup> {
  const policy = {
    accountsPerPerson: parseCount(flags['accounts-per-person'], '--accounts-per-person', DEFAULT_ACCOUNT_POLICY.accountsPerPerson, 1, 100),
    minimumAge: parseCount(flags['minimum-age'], '--minimum-age', DEFAULT_ACCOUNT_POLICY.minimumAge, 0, 150),
  };
  const administrators = (flags['identity-admin'] ?? []).map((user) => {
    if (!/^@[^:]+:.+$/.test(user))
      throw new CliUsageError(`--identity-admin takes a full user id such as @admin:example.org, not "${user}"`);
    return user;
  });
  const trustedClients = (flags['sso-trusted-client'] ?? []).map(originOf);
  const production = flags['oidc-issuer'] !== undefined;
  if (production && (flags['oidc-client-id'] === undefined || flags['oidc-client-secret-file'] === undefined))
    throw new CliUsageError('--oidc-issuer needs --oidc-client-id and --oidc-client-secret-file');
  if (!production && (flags['oidc-client-id'] !== undefined || flags['oidc-client-secret-file'] !== undefined))
    throw new CliUsageError('--oidc-client-id and --oidc-client-secret-file need --oidc-issuer');
  const idpPort = parsePort(flags['idp-port'], node.port === 0 ? 0 : node.port + 1);
  const listedIssuers = flags['trusted-issuers-file'] ? readTrustedIssuers(flags['trusted-issuers-file']) : [];
  if (!production && !node.dev && listedIssuers.length === 0) return { config: undefined, port: node.port };

  // Files given on the command line are read before the data folder is touched.
  const issuer = production ? issuerOf(flags['oidc-issuer'] as string) : undefined;
  const clientSecret = production ? readPrivateFile(flags['oidc-client-secret-file'] as string).trim() : undefined;
  const provisionedSecret = flags['identity-secret-file'] ? readBindingSecret(flags['identity-secret-file']) : undefined;
  const port = node.port === 0 ? await freePort(node.host) : node.port;
  const publicUrl = publicUrlOf(flags['public-url'], node.host, port);
  const redirectUri = `${publicUrl}${SSO_CALLBACK_PATH}`;
  const trustedIssuers = withAudience(listedIssuers, credentialAudienceOf(flags, node.dev, publicUrl));
  mkdirSync(node.dataDir, { recursive: true, mode: 0o700 });
  const bindingSecret = provisionedSecret ?? loadOrCreateBindingSecret(node.dataDir);
  if (issuer && clientSecret !== undefined) {
    const relyingParty = new RelyingParty({
      id: 'national-id',
      name: flags['oidc-provider-name'] ?? 'National identity',
      issuer,
      clientId: flags['oidc-client-id'] as string,
      clientSecret,
      redirectUri,
      scope: 'openid',
      organisationClaim: flags['oidc-organisation-claim'] ?? 'organisation',
    });
    return { config: { relyingParty, bindingSecret, policy, trustedIssuers, administrators, trustedClients }, port };
  }
  if (!node.dev) return { config: { bindingSecret, policy, trustedIssuers, administrators, trustedClients }, port };
  const providerDir = join(node.dataDir, 'idp');
  mkdirSync(providerDir, { recursive: true, mode: 0o700 });
  const developmentSecret = loadOrCreateClientSecret(join(providerDir, 'client-secret'));
  const provider = await startProvider(providerDir, node.host, idpPort, {
    clientId: DEVELOPMENT_CLIENT_ID,
    clientSecret: developmentSecret,
    redirectUris: [redirectUri],
  });
  const relyingParty = new RelyingParty({
    id: 'watan-dev-idp',
    name: 'Development identity provider (test people)',
    issuer: provider.issuer,
    clientId: DEVELOPMENT_CLIENT_ID,
    clientSecret: developmentSecret,
    redirectUri,
    scope: 'openid',
    organisationClaim: 'organisation',
  });
  // The development provider's credentials register accounts too, beside any configured issuer.
  const developmentIssuer: TrustedIssuer = {
    issuer: provider.issuer,
    keys: [trustedKeyOf(provider.credentialKey)],
    audience: DEVELOPMENT_CLIENT_ID,
  };
  return {
    config: { relyingParty, bindingSecret, policy, trustedIssuers: [...trustedIssuers, developmentIssuer], administrators, trustedClients },
    port,
    provider,
  };
}

async function startProvider(
  dataDir: string,
  host: string,
  port: number,
  client: { clientId: string; clientSecret: string; redirectUris: string[] },
): Promise<RunningProvider> {
  try {
    return await startDevelopmentProvider({ dataDir, host, port, clients: [client] });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new Error(`port ${port} for the development identity provider is already in use; choose another with --idp-port N`);
    throw error;
  }
}

/** The provider's issuer URL: HTTPS, or plain HTTP only on this machine (a development provider). */
function issuerOf(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliUsageError(`--oidc-issuer must be the provider's issuer URL, such as https://id.example.gov.pk, not "${value}"`);
  }
  if (url.protocol !== 'https:' && !isLoopbackHttp(url))
    throw new CliUsageError('--oidc-issuer must use https (plain http only for a provider on this machine)');
  return value;
}

/** A client trusted with SSO login tokens without confirmation, by its origin (scheme, host, port). */
function originOf(value: string): string {
  try {
    const origin = new URL(value).origin;
    if (origin !== 'null') return origin;
  } catch {}
  throw new CliUsageError(`--sso-trusted-client takes a client's URL such as https://app.element.io, not "${value}"`);
}

/** `--public-url`: an absolute http(s) URL, without a trailing slash. */
export function parsePublicUrl(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:'))
    throw new CliUsageError(`--public-url must be an absolute http(s) URL such as https://chat.example.gov.pk, not "${value}"`);
  return url.href.replace(/\/$/, '');
}

/** Where browsers reach this node: --public-url, or the address it listens on. */
function publicUrlOf(value: string | undefined, host: string, port: number): string {
  if (value !== undefined) return parsePublicUrl(value);
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
}

/**
 * Whom credentials must be issued for (`aud`) when the issuers file does not say: Watan's
 * OpenID client id (the same registration gives the pairwise subject), the development
 * provider's client id, or, on a node without OpenID Connect, its public URL.
 */
function credentialAudienceOf(flags: IdentityFlagValues, dev: boolean, publicUrl: string): string {
  if (flags['oidc-client-id'] !== undefined) return flags['oidc-client-id'];
  return dev ? DEVELOPMENT_CLIENT_ID : publicUrl;
}

function withAudience(issuers: ListedIssuer[], audience: string): TrustedIssuer[] {
  return issuers.map((entry) => ({ ...entry, audience: entry.audience ?? audience }));
}

type ListedIssuer = Omit<TrustedIssuer, 'audience'> & { audience?: string };

/**
 * `{"issuers": [{"issuer": URL, "keys": [public JWK, ...], "audience"?: client id}]}`: the
 * issuers whose credentials register accounts.
 */
function readTrustedIssuers(path: string): ListedIssuer[] {
  let parsed: unknown;
  try {
    // The issuers' keys are public: the file need not be private.
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CliUsageError(`--trusted-issuers-file ${path} is unreadable or not JSON: ${(error as Error).message}`);
  }
  const issuers = (parsed as { issuers?: unknown })?.issuers;
  const valid =
    Array.isArray(issuers) &&
    issuers.every(
      (entry) =>
        typeof entry?.issuer === 'string' &&
        (entry.audience === undefined || (typeof entry.audience === 'string' && entry.audience.length > 0)) &&
        Array.isArray(entry.keys) &&
        entry.keys.length > 0,
    );
  if (!valid) throw new CliUsageError(`--trusted-issuers-file ${path} must hold {"issuers": [{"issuer": URL, "keys": [public JWK, ...]}]}`);
  return (issuers as { issuer: string; keys: unknown[]; audience?: string }[]).map((entry) => ({
    ...entry,
    keys: entry.keys.map((key, index) => checkedKey(path, entry.issuer, key, index)),
  }));
}

/** A bad key is the operator's to fix: the node refuses to start, naming the file, the issuer and the key. */
function checkedKey(path: string, issuer: string, key: unknown, index: number) {
  try {
    return trustedKeyOf(key);
  } catch (error) {
    if (!(error instanceof TrustedKeyError)) throw error;
    const kid = (key as { kid?: unknown } | null)?.kid;
    const named = typeof kid === 'string' ? `key ${index + 1} (kid ${JSON.stringify(kid)})` : `key ${index + 1}`;
    throw new Error(`--trusted-issuers-file ${path}: ${named} of issuer ${issuer} ${error.message}`);
  }
}

function parseCount(value: string | undefined, flag: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const count = Number(value);
  if (!Number.isSafeInteger(count) || count < min || count > max)
    throw new CliUsageError(`${flag} must be a whole number from ${min} to ${max}`);
  return count;
}
