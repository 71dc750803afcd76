import type { FastifyInstance } from 'fastify';
import { checkSnapshotRequest } from '../../subnet/index.ts';
import { ApiError } from '../api-error.ts';
import type { NodeContext } from '../context.ts';

/**
 * This replica's whole state, for another member replica to sync from: it holds every
 * account's hashed tokens and every ciphertext, so only a registry member may ask, with a
 * fresh signature by its node key. The block it is at is in `x-watan-block` (and, on a
 * cluster, the etcd revision of that block in `x-watan-revision`); the receiver checks the
 * image against that block's quorum certificate (verifySnapshot).
 */
export function registerSnapshot(app: FastifyInstance, node: NodeContext): void {
  app.get('/_watan/v1/snapshot', async (request, reply) => {
    const check = checkSnapshotRequest(request.headers, node.subnet.subnetId);
    if ('problem' in check) throw new ApiError(401, 'M_UNAUTHORIZED', check.problem);
    const members = node.subnet.query('registry', 'members', {}, 'snapshot') as string[];
    if (!members.includes(check.node)) throw new ApiError(403, 'M_FORBIDDEN', `node ${check.node} is not a member of this subnet`);
    const { block, image, revision } = node.subnet.snapshotWithRevision();
    reply.type('application/vnd.sqlite3').header('x-watan-block', String(block));
    // On a cluster, the etcd revision that ordered the block: where the receiver's log continues.
    if (revision !== undefined) reply.header('x-watan-revision', String(revision));
    return reply.send(image);
  });
}
