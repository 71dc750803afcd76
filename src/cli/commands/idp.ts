import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadOrCreateClientSecret, loadPeople, startDevelopmentProvider } from '../../identity/index.ts';
import { SSO_CALLBACK_PATH } from '../../messenger/index.ts';
import { CliUsageError, parseOptions, parsePort } from '../usage.ts';

/**
 * `watan idp`: the development identity provider alone, for a node started with
 * --oidc-issuer (as production would be). It serves one client, whose secret it keeps in a
 * 0600 file (made on first start) for the node's --oidc-client-secret-file.
 */
export async function runIdp(args: string[]): Promise<number> {
  const options = parseOptions(args, {
    port: { type: 'string' },
    host: { type: 'string', default: 'localhost' },
    data: { type: 'string', default: './data-idp' },
    'client-id': { type: 'string', default: 'watan' },
    'client-secret-file': { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true },
    people: { type: 'string' },
  });
  const dataDir = resolve(options.data);
  const people = options.people ? loadPeople(resolve(options.people)) : undefined;
  const secretFile = resolve(options['client-secret-file'] ?? join(dataDir, 'client-secret'));
  const redirectUris = (options['redirect-uri'] ?? [`http://localhost:8008${SSO_CALLBACK_PATH}`]).map(redirectUriOf);
  const port = parsePort(options.port, 8009);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const clientSecret = loadOrCreateClientSecret(secretFile);
  const provider = await startDevelopmentProvider({
    dataDir,
    host: options.host,
    port,
    clients: [{ clientId: options['client-id'], clientSecret, redirectUris }],
    ...(people ? { people } : {}),
  }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRINUSE') throw new Error(`port ${port} on ${options.host} is already in use; choose another with --port N`);
    throw error;
  });
  process.stdout.write(`watan idp: issuer ${provider.issuer} client ${options['client-id']} secret-file ${secretFile}\n`);
  return new Promise((done) => {
    const stop = () => provider.close().then(() => done(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

function redirectUriOf(value: string): string {
  try {
    return new URL(value).href;
  } catch {
    throw new CliUsageError(`--redirect-uri must be an absolute URL (the node's ${SSO_CALLBACK_PATH}), not "${value}"`);
  }
}
