import type { FastifyInstance } from 'fastify';
import type { NodeContext } from '../context.ts';
import { addReachabilityGauge } from '../metrics.ts';

/** Prometheus exposition; holds counts and timings only, never user data. */
export function registerMetrics(app: FastifyInstance, node: NodeContext): void {
  addReachabilityGauge(node.metrics.registry, () => node.subnet.orderingReachable);
  app.get('/metrics', async (_request, reply) => {
    const { registry } = node.metrics;
    return reply.type(registry.contentType).send(await registry.metrics());
  });
}
