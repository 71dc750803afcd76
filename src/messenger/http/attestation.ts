import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import { signAttestation, type VerifiedFacts } from '../../identity/index.ts';
import { ApiError, type NodeContext } from '../../node/index.ts';
import { authenticate, requireToken } from './authenticate.ts';
import { runQuery } from './commands.ts';

const Params = Type.Object({ userId: Type.String({ minLength: 1, maxLength: 255 }) });

/**
 * GET /_watan/v1/identity/attestation/{userId}: the subnet's signed statement that an account
 * belongs to a verified person (and, for an official, their organisation). Any signed-in user
 * may ask; the signature is this replica's node key, a member of the subnet's registry
 * (GET /_watan/v1/registry), over domain-separated canonical JSON.
 */
export function registerAttestation(server: FastifyInstance, node: NodeContext): void {
  server.get('/_watan/v1/identity/attestation/:userId', { schema: { params: Params }, onRequest: requireToken }, async (request) => {
    const session = authenticate(request, node.subnet);
    const { userId } = request.params as Static<typeof Params>;
    const facts = runQuery<VerifiedFacts | null>(node.subnet, 'verified_attestation', { user_id: userId }, session.userId);
    if (facts === null) throw new ApiError(404, 'M_NOT_FOUND', `${userId} is not an account of a verified person`);
    return signAttestation(
      facts,
      { subnet: node.subnet.subnetId, height: node.subnet.appliedHeight, now: Date.now() },
      node.subnet.nodeKey,
    );
  });
}
