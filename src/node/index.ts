/** A running Watan node: one subnet replica with its HTTP server. */
import { createServer } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import {
  applyGenesis,
  bootstrapDevelopmentRegistry,
  type CertificationChannel,
  coreApps,
  DivergenceError,
  etcdReplica,
  type Genesis,
  isMember,
  type NodeFacts,
  Subnet,
} from '../subnet/index.ts';
import { type ConnectionLimits, DEFAULT_CONNECTION_LIMITS } from './connections.ts';
import type { NodePart } from './context.ts';
import { createLogger } from './logger.ts';
import { createNodeMetrics } from './metrics.ts';
import { ClusterReplicas } from './peers/index.ts';
import { buildServer } from './server.ts';

export { ApiError } from './api-error.ts';
export { type ConnectionLimits, DEFAULT_CONNECTION_LIMITS } from './connections.ts';
export type { NodeContext, NodePart, RouteReplyConfig } from './context.ts';
export { createLogger } from './logger.ts';
export {
  type EphemeralChange,
  type EphemeralStore,
  MemoryEphemeralStore,
  openWithSecret,
  type Peer,
  type Replicas,
  SealedEntries,
  sealWithSecret,
} from './peers/index.ts';
export { ReplyTooDeepError, withholdTooDeepContent } from './reply-depth.ts';

export interface NodeConfig {
  dataDir: string;
  port: number;
  host: string;
  serverName: string;
  dev: boolean;
  subnetId?: string;
  facts: NodeFacts;
  /** The subnet's genesis; without it the first start creates a development registry. */
  genesis?: Genesis;
  /** The etcd members (`host:port`) of the cluster log; without them the node runs the embedded log. */
  cluster?: readonly string[];
  /** Certified blocks a cluster replica keeps in etcd before deleting them (DEFAULT_KEEP_CERTIFIED_BLOCKS by default). */
  keepCertifiedBlocks?: number;
  /** The parts this node runs beside the subnet's own apps and routes (the messenger, ...). */
  parts?: readonly NodePart[];
  logger?: Logger;
  /** Connections and request timeouts (DEFAULT_CONNECTION_LIMITS where not given). */
  connectionLimits?: Partial<ConnectionLimits>;
  /** How this replica exchanges checkpoint votes with the subnet's other replicas; a node alone needs none. */
  certification?: CertificationChannel;
  /** Where the other replicas reach this one (default: the address it listens on). */
  replicaUrl?: string;
  /**
   * Runs once the node's state is open and checked, before it listens: the start-up warm-up
   * (src/cli/warm-up.ts), so that the first clients meet code V8 has already optimised.
   */
  warmUp?: (logger: Logger) => Promise<unknown>;
}

export interface RunningNode {
  url: string;
  subnet: Subnet;
  server: FastifyInstance;
  close(): Promise<void>;
}

/** How long in-flight requests get to finish when the node stops. */
const SHUTDOWN_GRACE_MS = 3000;

export class PortInUseError extends Error {
  override name = 'PortInUseError';
}

export class NotAMemberError extends Error {
  override name = 'NotAMemberError';
}

/** Opens the subnet replica, bootstraps its registry on first start, and serves HTTP. */
export async function startNode(config: NodeConfig): Promise<RunningNode> {
  // Every replica would make its own development registry, each governed by another key.
  if (config.cluster && !config.genesis) {
    throw new ClusterConfigError("a cluster replica starts from the subnet's genesis: give --genesis FILE with --cluster");
  }
  // Fail on a busy port before the data folder is created or touched.
  await assertPortFree(config);
  const logger = config.logger ?? createLogger();
  const metrics = createNodeMetrics((error) =>
    logger.fatal(
      { err: error },
      error instanceof DivergenceError
        ? 'a quorum certified other state than this replica reached; it stopped serving and kept the evidence'
        : 'this replica stopped applying its log and refuses writes',
    ),
  );
  const parts = config.parts ?? [];
  const apps = [...coreApps, ...parts.flatMap((part) => part.apps)];
  const subnetId = config.subnetId ?? config.genesis?.subnet;
  // A cluster replica orders through etcd and exchanges its checkpoint votes through the same
  // etcd, so that quorum certificates form; a node alone certifies with its own signature.
  const subnet = await Subnet.open({
    dataDir: config.dataDir,
    apps,
    subnetId,
    observer: metrics.observer,
    channel: config.certification,
    ...(config.cluster && config.genesis
      ? etcdReplica(config.cluster, {
          governanceKeys: config.genesis.governanceKeys.map((governance) => governance.key),
          onUnavailable: warnUnavailable(config.cluster, logger),
          keepCertifiedBlocks: config.keepCertifiedBlocks,
        })
      : {}),
  });
  try {
    await joinRegistry(subnet, config, logger);
    await config.warmUp?.(logger);
    // What the replicas share beside the log (short-lived state, addresses): see src/node/peers.
    const replicas = config.cluster ? await ClusterReplicas.open(config.cluster, subnet) : undefined;
    const context = { subnet, metrics, serverName: config.serverName, dev: config.dev, ...(replicas ? { replicas } : {}) };
    const server = buildServer(context, logger, parts, {
      ...DEFAULT_CONNECTION_LIMITS,
      ...config.connectionLimits,
    });
    const url = await listen(server, config).catch(async (error: Error) => {
      await replicas?.close();
      throw error;
    });
    // Peers find this replica here: for media, shared sessions and state sync (a snapshot).
    await replicas?.advertise(config.replicaUrl ?? url, (error) =>
      logger.warn({ reason: error.message }, 'this replica could not tell the others its address in etcd; retrying'),
    );
    logger.info({ url, subnet: subnet.subnetId, node: subnet.nodeKey.id, height: subnet.appliedHeight }, 'watan node started');
    return {
      url,
      subnet,
      server,
      async close() {
        // Graceful first: in-flight requests finish (long-polls are woken to answer at once).
        // Then forced: a connection still open after the grace period (a keep-alive socket the
        // client holds, a request that will not end) must not keep the node from stopping.
        const grace = setTimeout(() => server.server.closeAllConnections(), SHUTDOWN_GRACE_MS);
        await server.close();
        clearTimeout(grace);
        await replicas?.close();
        await subnet.close();
        logger.info('watan node stopped');
      },
    };
  } catch (error) {
    await subnet.close();
    throw error;
  }
}

export class ClusterConfigError extends Error {
  override name = 'ClusterConfigError';
}

/** Tells the operator while etcd cannot be reached at start. */
function warnUnavailable(endpoints: readonly string[], logger: Logger): (error: Error, retryInMs: number) => void {
  return (error, retryInMs) =>
    logger.warn({ etcd: endpoints.join(','), retryInMs, reason: error.message }, 'etcd is unreachable; retrying');
}

/** Brings this node into its subnet's registry, from the genesis or as a development subnet. */
async function joinRegistry(subnet: Subnet, config: NodeConfig, logger: Logger): Promise<void> {
  if (config.genesis) {
    await applyGenesis(subnet, config.genesis);
  } else {
    if (!config.dev) {
      logger.warn('no --genesis given: this node runs a DEVELOPMENT registry governed by a key in its data folder; not for production');
    }
    await bootstrapDevelopmentRegistry(subnet, config.facts);
  }
  if (!isMember(subnet, subnet.nodeKey.id)) {
    throw new NotAMemberError(
      `node ${subnet.nodeKey.id} is not a member of subnet ${subnet.subnetId}; the governance key holders must admit it (add it to the genesis, or admit it to the registry)`,
    );
  }
}

function portInUse(config: NodeConfig): PortInUseError {
  return new PortInUseError(
    `port ${config.port} on ${config.host} is already in use (is another watan running?); choose another with --port N`,
  );
}

async function assertPortFree(config: NodeConfig): Promise<void> {
  if (config.port === 0) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'EADDRINUSE' ? portInUse(config) : error));
    probe.listen({ port: config.port, host: config.host, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/**
 * Connections the kernel may hold for us before we accept them. Node's default (511) is
 * overrun when a thousand clients connect at once — every syncing client holds one — and a
 * dropped SYN costs its client a second or more before it tries again. The kernel caps this
 * at net.core.somaxconn.
 */
const LISTEN_BACKLOG = 4096;

async function listen(server: FastifyInstance, config: NodeConfig): Promise<string> {
  try {
    await server.listen({ port: config.port, host: config.host, backlog: LISTEN_BACKLOG });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw portInUse(config);
    throw error;
  }
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
