import type { FastifyInstance } from 'fastify';
import type { AppDefinition, Subnet } from '../subnet/index.ts';
import type { NodeMetrics } from './metrics.ts';
import type { Replicas } from './peers/index.ts';

/** What every route of a node may use. */
export interface NodeContext {
  subnet: Subnet;
  metrics: NodeMetrics;
  serverName: string;
  dev: boolean;
  /** The other replicas of a cluster and the short-lived state shared with them; absent on a node alone. */
  replicas?: Replicas;
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
