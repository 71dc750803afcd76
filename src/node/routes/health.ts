import type { FastifyInstance } from 'fastify';
import { DivergenceError } from '../../subnet/index.ts';
import type { NodeContext } from '../context.ts';

/** Liveness and position, for load balancers and operators. */
export function registerHealth(app: FastifyInstance, node: NodeContext): void {
  app.get('/_watan/v1/health', async (_request, reply) => {
    const { subnet } = node;
    const diverged = subnet.failed instanceof DivergenceError ? subnet.failed : undefined;
    const cutOff = !subnet.failed && !subnet.orderingReachable;
    const status = diverged ? 'diverged' : subnet.failed ? 'failed' : cutOff ? 'cut_off' : 'ok';
    // 503 while cut off too, so that a load balancer sends writes to a replica that can order them.
    return reply.code(subnet.failed || cutOff ? 503 : 200).send({
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
          : cutOff
            ? { error: "this replica cannot reach the cluster's etcd: it serves what it holds, and its writes wait until etcd answers" }
            : {}),
    });
  });
}
