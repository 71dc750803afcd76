import type { FastifyInstance } from 'fastify';
import type { AppDefinition, Subnet } from '../subnet/index.ts';
import type { NodeMetrics } from './metrics.ts';

/** What every route of a node may use. */
export interface NodeContext {
  subnet: Subnet;
  metrics: NodeMetrics;
  serverName: string;
  dev: boolean;
  /** The URLs of the subnet's other replicas (a cluster node; a node alone has none). */
  peers?: () => Promise<string[]>;
}

/**
 * A part of Watan that runs on a node: the apps it adds to the executor and the HTTP routes
 * it serves. The node runs parts without knowing them; the CLI composes which parts run.
 */
export interface NodePart {
  readonly name: string;
  readonly apps: readonly AppDefinition[];
  registerRoutes(server: FastifyInstance, node: NodeContext): void;
}

/** What a route may say about its reply (in its Fastify `config`). */
export interface RouteReplyConfig {
  /** The reply is one stored content (a state event's, an account data type's): withheld whole if it nests too deep. */
  replyIsContent?: boolean;
}
