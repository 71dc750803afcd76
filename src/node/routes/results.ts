import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { ApiError } from '../api-error.ts';
import type { NodeContext } from '../context.ts';

const Params = Type.Object({ commandId: Type.String({ minLength: 1, maxLength: 200 }) });
/** The longest a caller may wait for a quorum certificate: bounded, so a request cannot hold the node for long. */
export const MAX_RESULT_WAIT_MS = 30_000;
const Query = Type.Object(
  { wait_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_RESULT_WAIT_MS })) },
  { additionalProperties: false },
);

/**
 * A command's result with its inclusion proof against a quorum-certified results root. Command
 * ids are unguessable and known only to whoever submitted the command, so they act as the
 * capability to read the result. `wait_ms` waits (up to 30 s) for the block's certificate
 * when the command is applied but not yet certified by a quorum.
 */
export function registerResults(app: FastifyInstance, node: NodeContext): void {
  app.get<{ Params: { commandId: string }; Querystring: { wait_ms?: number } }>(
    '/_watan/v1/results/:commandId',
    { schema: { params: Params, querystring: Query } },
    async (request) => {
      const { commandId } = request.params;
      const block = node.subnet.blockOf(commandId);
      if (block === undefined) throw new ApiError(404, 'M_NOT_FOUND', `no applied command has id ${commandId}`);
      await node.subnet.waitForCertificate(block, request.query.wait_ms ?? 0);
      const proof = node.subnet.resultProof(commandId);
      if (!proof) {
        throw new ApiError(
          404,
          'M_NOT_YET_CERTIFIED',
          `command ${commandId} was applied in block ${block}, which a quorum has not certified yet; ask again, or wait with ?wait_ms=`,
          { block },
        );
      }
      return proof;
    },
  );
}
