import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { CheckpointVote } from '../../subnet/index.ts';
import type { NodeContext } from '../context.ts';
import { MAX_VOTES_PER_PUSH, REPLICA_VOTES_PATH } from '../peers/vote-push.ts';

const Vote = Type.Object({
  checkpoint: Type.Object({ block: Type.Integer({ minimum: 1 }) }),
  signature: Type.Object({ node: Type.String({ maxLength: 100 }), signature: Type.String({ maxLength: 200 }) }),
});
const Votes = Type.Array(Vote, { maxItems: MAX_VOTES_PER_PUSH });

/**
 * Checkpoint votes another replica pushes straight to this one (src/node/peers/vote-push.ts):
 * only a registry member's request, signed by its node key for this replica, is taken, and each
 * vote is then counted only if its own signature verifies for a member (the collector's check).
 * A node alone has no peers and no such route.
 */
export function registerVotes(app: FastifyInstance, node: NodeContext): void {
  const { replicas } = node;
  if (!replicas) return;
  app.post<{ Body: CheckpointVote[] }>(REPLICA_VOTES_PATH, { schema: { body: Votes } }, async (request, reply) => {
    replicas.askingReplica(request);
    for (const vote of request.body) node.subnet.receiveVote(vote);
    return reply.code(204).send();
  });
}
