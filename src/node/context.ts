import type { Subnet } from '../subnet/index.ts';
import type { NodeMetrics } from './metrics.ts';

/** What every route of a node may use. */
export interface NodeContext {
  subnet: Subnet;
  metrics: NodeMetrics;
  serverName: string;
  dev: boolean;
}
