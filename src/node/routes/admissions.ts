import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import { admissionBytes, canonicalJsonBytes, NodeRecord, type RegistryView, sha256, toHex, validApprovers } from '../../subnet/index.ts';
import { ApiError } from '../api-error.ts';
import type { NodeContext } from '../context.ts';

const Admission = Type.Object(
  {
    node: NodeRecord,
    approvals: Type.Array(Type.Object({ key: Type.String({ maxLength: 64 }), signature: Type.String({ maxLength: 200 }) }), {
      minItems: 1,
      maxItems: 64,
    }),
  },
  { additionalProperties: false },
);

/**
 * Admits a node the governance key holders approved (`watan admission join`). The approvals
 * are the authority: they are checked here, so that unapproved requests never reach the log,
 * and again by every replica's executor when the admission runs.
 */
export function registerAdmissions(app: FastifyInstance, node: NodeContext): void {
  app.post<{ Body: Static<typeof Admission> }>('/_watan/v1/registry/admissions', { schema: { body: Admission } }, async (request) => {
    const view = node.subnet.query('registry', 'view', {}, 'system') as RegistryView | null;
    if (!view) throw new ApiError(404, 'M_NOT_FOUND', 'the registry has not been initialised yet');
    const { node: record, approvals } = request.body;
    const governance = view.governanceKeys.map((g) => g.key);
    const approvers = validApprovers(approvals, governance, admissionBytes(view.subnet, view.epoch, record));
    if (approvers.size < view.threshold) {
      throw new ApiError(
        403,
        'M_FORBIDDEN',
        `admitting ${record.id} needs ${view.threshold} governance approval(s) for membership epoch ${view.epoch}; ${approvers.size} verified ` +
          '(approvals are for one epoch: have them signed again if the membership changed since)',
      );
    }
    const id = `registry-admit-${toHex(sha256(canonicalJsonBytes(request.body))).slice(0, 32)}`;
    const result = await node.subnet.submit({ id, app: 'registry', method: 'admit', caller: 'system', args: request.body });
    if (!result.ok) throw new ApiError(409, 'M_FORBIDDEN', `the registry refused the admission: ${result.error.message}`);
    return { node: record.id, epoch: (result.value as { epoch: number }).epoch, command: id };
  });
}
