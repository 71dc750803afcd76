import type { FastifyInstance } from 'fastify';
import type { NodeContext } from '../context.ts';

/** Liveness and position, for load balancers and operators. */
export function registerHealth(app: FastifyInstance, node: NodeContext): void {
  app.get('/_watan/v1/health', async (_request, reply) => {
    const { subnet } = node;
    const status = subnet.failed ? 'failed' : 'ok';
    return reply.code(subnet.failed ? 503 : 200).send({
      status,
      subnet: subnet.subnetId,
      node: subnet.nodeKey.id,
      log_height: subnet.logHeight,
      applied_height: subnet.appliedHeight,
      // Why it failed is in the node's log, for its operator; callers learn only that it did.
      ...(subnet.failed ? { error: 'this replica stopped applying its log; its operator has the reason in the node log' } : {}),
    });
  });
}
