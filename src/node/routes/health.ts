import type { FastifyInstance } from 'fastify';
import { DivergenceError } from '../../subnet/index.ts';
import type { NodeContext } from '../context.ts';

/** Liveness and position, for load balancers and operators. */
export function registerHealth(app: FastifyInstance, node: NodeContext): void {
  app.get('/_watan/v1/health', async (_request, reply) => {
    const { subnet } = node;
    const diverged = subnet.failed instanceof DivergenceError ? subnet.failed : undefined;
    const status = diverged ? 'diverged' : subnet.failed ? 'failed' : 'ok';
    return reply.code(subnet.failed ? 503 : 200).send({
      status,
      subnet: subnet.subnetId,
      node: subnet.nodeKey.id,
      log_height: subnet.logHeight,
      applied_height: subnet.appliedHeight,
      certified_block: subnet.latestCertificate()?.checkpoint.block ?? 0,
      // Why it failed is in the node's log, for its operator; callers learn only that it did.
      ...(diverged
        ? {
            error: `this replica's state differs from what a quorum certified at block ${diverged.block}; it stopped serving`,
            block: diverged.block,
          }
        : subnet.failed
          ? { error: 'this replica stopped applying its log; its operator has the reason in the node log' }
          : {}),
    });
  });
}
