import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_MAX_UPLOAD_SIZE, DEFAULT_RATE_LIMITS } from '../../messenger/index.ts';
import { DEFAULT_CONNECTION_LIMITS, startNode } from '../../node/index.ts';
import { assertSubnetId, type Genesis } from '../../subnet/index.ts';
import { nodeParts } from '../composition.ts';
import { CliUsageError, parseJurisdiction, parseOptions, parsePort } from '../usage.ts';
import { warmUp } from '../warm-up.ts';
import { identityFlags, parsePublicUrl, setUpIdentity } from './identity-setup.ts';

/** `watan start`: runs a node until SIGINT or SIGTERM, then shuts down cleanly. */
export async function runStart(args: string[]): Promise<number> {
  const options = parseOptions(args, {
    data: { type: 'string', default: './data' },
    port: { type: 'string' },
    host: { type: 'string', default: 'localhost' },
    'server-name': { type: 'string', default: 'localhost' },
    dev: { type: 'boolean', default: false },
    subnet: { type: 'string' },
    operator: { type: 'string', default: 'development' },
    'data-centre': { type: 'string', default: 'local' },
    province: { type: 'string', default: 'Islamabad Capital Territory' },
    jurisdiction: { type: 'string', default: 'PK' },
    genesis: { type: 'string' },
    cluster: { type: 'string' },
    'replica-url': { type: 'string' },
    'keep-certified-blocks': { type: 'string' },
    'open-registration': { type: 'boolean' },
    'auth-rate-limit': { type: 'string' },
    'send-rate-limit': { type: 'string' },
    'access-token-lifetime': { type: 'string' },
    'max-upload-size': { type: 'string' },
    'max-connections': { type: 'string' },
    'max-connections-per-address': { type: 'string' },
    'request-timeout': { type: 'string' },
    // --no-warm-up: listen at once, and serve the first clients with code V8 has not optimised yet.
    'warm-up': { type: 'boolean', default: true },
    ...identityFlags,
  });
  // Everything that can be checked is checked before the data folder is touched.
  const genesis = options.genesis ? readGenesis(resolve(options.genesis)) : undefined;
  const cluster = options.cluster === undefined ? undefined : parseClusterUrl(options.cluster);
  const replicaUrl = options['replica-url'] === undefined ? undefined : parseReplicaUrl(options['replica-url'], cluster);
  const subnetId = options.subnet ?? genesis?.subnet;
  if (subnetId !== undefined) assertSubnetId(subnetId);
  const jurisdiction = parseJurisdiction(options.jurisdiction);
  const publicUrl = options['public-url'] === undefined ? undefined : parsePublicUrl(options['public-url']);
  const identity = await setUpIdentity(options, {
    dataDir: resolve(options.data),
    host: options.host,
    port: parsePort(options.port, 8008),
    dev: options.dev,
  });
  if (identity.provider) process.stdout.write(`watan: development identity provider at ${identity.provider.issuer}\n`);
  const node = await startNode({
    dataDir: resolve(options.data),
    port: identity.port,
    host: options.host,
    serverName: options['server-name'],
    dev: options.dev,
    subnetId,
    genesis,
    ...(cluster ? { cluster } : {}),
    ...(replicaUrl ? { replicaUrl } : {}),
    ...(options['keep-certified-blocks'] === undefined
      ? {}
      : { keepCertifiedBlocks: parseLimit(options['keep-certified-blocks'], '--keep-certified-blocks', 0, 'blocks') }),
    parts: nodeParts(
      {
        openRegistration: options['open-registration'] ?? options.dev,
        rateLimits: {
          authPerMinute: parseLimit(options['auth-rate-limit'], '--auth-rate-limit', DEFAULT_RATE_LIMITS.authPerMinute),
          sendsPer10Seconds: parseLimit(options['send-rate-limit'], '--send-rate-limit', DEFAULT_RATE_LIMITS.sendsPer10Seconds),
        },
        accessTokenLifetimeMs: 1000 * parseLimit(options['access-token-lifetime'], '--access-token-lifetime', 300, 'seconds'),
        maxUploadSize: parseLimit(options['max-upload-size'], '--max-upload-size', DEFAULT_MAX_UPLOAD_SIZE, 'bytes'),
        ...(identity.config ? { identity: identity.config } : {}),
      },
      publicUrl === undefined ? {} : { publicUrl },
    ),
    facts: { operator: options.operator, dataCentre: options['data-centre'], province: options.province, jurisdiction },
    ...(options['warm-up'] ? { warmUp } : {}),
    connectionLimits: {
      total: parseLimit(options['max-connections'], '--max-connections', DEFAULT_CONNECTION_LIMITS.total, 'connections'),
      perAddress: parseLimit(
        options['max-connections-per-address'],
        '--max-connections-per-address',
        DEFAULT_CONNECTION_LIMITS.perAddress,
        'connections',
      ),
      requestTimeoutMs:
        1000 * parseLimit(options['request-timeout'], '--request-timeout', DEFAULT_CONNECTION_LIMITS.requestTimeoutMs / 1000, 'seconds'),
    },
  }).catch(async (error: Error) => {
    await identity.provider?.close();
    throw error;
  });
  return new Promise((done) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        process.stderr.write(`watan: second ${signal}, exiting without waiting\n`);
        process.exit(1);
      }
      stopping = true;
      node
        .close()
        .then(() => identity.provider?.close())
        .then(
          () => done(0),
          (error: Error) => {
            process.stderr.write(`watan: shutdown failed: ${error.message}\n`);
            done(1);
          },
        );
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
    // Announced only once the handlers are in place: whoever waits for this line may signal at
    // once, and a signal before them would kill the node without a clean stop (or a seal).
    process.stdout.write(`watan: node ${node.subnet.nodeKey.id} of subnet ${node.subnet.subnetId} listening on ${node.url}\n`);
  });
}

function readGenesis(path: string): Genesis {
  let genesis: Genesis;
  try {
    genesis = JSON.parse(readFileSync(path, 'utf8')) as Genesis;
  } catch (error) {
    throw new CliUsageError(`--genesis ${path} is unreadable or not JSON: ${(error as Error).message}`);
  }
  if (typeof genesis?.subnet !== 'string' || !Array.isArray(genesis.nodes) || !Array.isArray(genesis.governanceKeys)) {
    throw new CliUsageError(`--genesis ${path} is not a genesis file (made by watan genesis)`);
  }
  return genesis;
}

/** `etcd://host:port[,host:port…]` → the members' `host:port`. */
export function parseClusterUrl(value: string): string[] {
  const scheme = 'etcd://';
  const problem = `--cluster must be etcd://host:port[,host:port…] naming the etcd members, not "${value}"`;
  if (!value.startsWith(scheme)) throw new CliUsageError(problem);
  const endpoints = value.slice(scheme.length).split(',');
  for (const endpoint of endpoints) {
    const match = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\]):(\d{1,5})$/.exec(endpoint);
    if (!match || Number(match[2]) < 1 || Number(match[2]) > 65535) throw new CliUsageError(problem);
  }
  return endpoints;
}

/** Where the other replicas reach this one: an http(s) URL, only meaningful with --cluster. */
function parseReplicaUrl(value: string, cluster: readonly string[] | undefined): string {
  if (!cluster) throw new CliUsageError('--replica-url is where the other replicas of a cluster reach this one: give it with --cluster');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliUsageError(`--replica-url must be this replica's address for its peers, such as http://10.1.0.5:8008, not "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliUsageError('--replica-url must be an http or https URL');
  return url.origin;
}

function parseLimit(value: string | undefined, flag: string, fallback: number, unit = 'requests'): number {
  if (value === undefined) return fallback;
  const limit = Number(value);
  if (!Number.isSafeInteger(limit) || limit < 1) throw new CliUsageError(`${flag} must be a whole number of ${unit}, at least 1`);
  return limit;
}
