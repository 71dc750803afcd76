import type { FastifyRequest } from 'fastify';
import { authenticate } from '../../../messenger/index.ts';
import type { NodeContext } from '../../../node/index.ts';

/** The person asking, by their messenger access token (UNAUTHENTICATED without a valid one). */
export function signedInUser(request: FastifyRequest, node: NodeContext): string {
  return authenticate(request, node.subnet).userId;
}
