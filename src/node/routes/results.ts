import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { ApiError } from '../api-error.ts';
import type { NodeContext } from '../context.ts';

const Params = Type.Object({ commandId: Type.String({ minLength: 1, maxLength: 200 }) });

/**
 * A command's result with its inclusion proof against a certified results root. Command ids
 * are unguessable and known only to whoever submitted the command, so they act as the
 * capability to read the result.
 */
export function registerResults(app: FastifyInstance, node: NodeContext): void {
  app.get<{ Params: { commandId: string } }>('/_watan/v1/results/:commandId', { schema: { params: Params } }, async (request) => {
    const proof = node.subnet.resultProof(request.params.commandId);
    if (!proof) throw new ApiError(404, 'M_NOT_FOUND', `no applied command has id ${request.params.commandId}`);
    return proof;
  });
}
