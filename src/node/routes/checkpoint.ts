import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { ApiError } from '../api-error.ts';
import type { NodeContext } from '../context.ts';

const Query = Type.Object({ block: Type.Optional(Type.Integer({ minimum: 1 })) }, { additionalProperties: false });

/** The latest certificate, or the one for a given block: public, so anyone can check the subnet. */
export function registerCheckpoint(app: FastifyInstance, node: NodeContext): void {
  app.get<{ Querystring: { block?: number } }>('/_watan/v1/checkpoint', { schema: { querystring: Query } }, async (request) => {
    const { block } = request.query;
    const certificate = block === undefined ? node.subnet.latestCertificate() : node.subnet.certificate(block);
    if (!certificate) {
      throw new ApiError(
        404,
        'M_NOT_FOUND',
        block === undefined ? 'nothing has been certified yet' : `block ${block} has not been certified`,
      );
    }
    return certificate;
  });
}
