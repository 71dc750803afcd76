import type { FastifyInstance } from 'fastify';
import type { NodeContext } from '../context.ts';

/** Prometheus exposition; holds counts and timings only, never user data. */
export function registerMetrics(app: FastifyInstance, node: NodeContext): void {
  app.get('/metrics', async (_request, reply) => {
    const { registry } = node.metrics;
    return reply.type(registry.contentType).send(await registry.metrics());
  });
}
