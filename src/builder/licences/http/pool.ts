import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import type { NodeContext } from '../../../node/index.ts';
import { askBuilder, runBuilder } from '../../http/calls.ts';
import { Approvals } from '../app/governance.ts';
import { SectorTermsArgs } from '../app/licence-methods.ts';
import { SECTORS } from '../app/sectors.ts';

const PoolChange = Type.Object(
  { sectors: Type.Array(SectorTermsArgs, { minItems: 1, maxItems: SECTORS.length }), approvals: Approvals },
  { additionalProperties: false },
);

/**
 * GET /_watan/v1/licences/pool: each sector's size, assigned and available licences and
 * quotas, and the epoch governance signs its next decision against. Public: counts, not
 * people, and governance key holders read it to sign.
 * PUT: governance changes sectors' sizes and quotas; the approvals are the authority (checked
 * in the executor against the registry's governance keys and threshold), so no token is asked.
 */
export function registerPool(server: FastifyInstance, node: NodeContext): void {
  server.get('/_watan/v1/licences/pool', async () => askBuilder(node.subnet, 'licence_pool', {}, 'anonymous'));
  server.put<{ Body: Static<typeof PoolChange> }>('/_watan/v1/licences/pool', { schema: { body: PoolChange } }, async (request) => {
    return runBuilder(node.subnet, 'licence_set_pool', request.body, 'governance');
  });
}
