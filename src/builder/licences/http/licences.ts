import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import { requireToken } from '../../../messenger/index.ts';
import type { NodeContext } from '../../../node/index.ts';
import { askBuilder, runBuilder } from '../../http/calls.ts';
import { SectorName } from '../app/licence-methods.ts';
import { signedInUser } from './signed-in-user.ts';

const Assign = Type.Object(
  {
    user_id: Type.String({ minLength: 1, maxLength: 255 }),
    sector: SectorName,
    note: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);
const List = Type.Object(
  {
    sector: Type.Optional(Type.String({ maxLength: 40 })),
    held_only: Type.Optional(Type.Boolean()),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 2000 })),
  },
  { additionalProperties: false },
);
const Holder = Type.Object({ userId: Type.String({ minLength: 1, maxLength: 255 }) });
const LicenceParams = Type.Object({ licence: Type.Integer({ minimum: 1 }) });
const Revoke = Type.Object({ reason: Type.String({ minLength: 1, maxLength: 500 }) }, { additionalProperties: false });
const Audit = Type.Object(
  { after: Type.Optional(Type.Integer({ minimum: 0 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) },
  { additionalProperties: false },
);

/**
 * Licences: administrators list (GET /_watan/v1/licences), assign (POST) and revoke
 * (POST …/{licence}/revoke); a person reads their own (GET …/holders/{userId}) and the audit
 * entries about them (GET …/audit), administrators everyone's. Who may do what is decided in
 * the executor from the caller the access token names.
 */
export function registerLicences(server: FastifyInstance, node: NodeContext): void {
  const authenticated = { onRequest: requireToken };
  server.get<{ Querystring: Static<typeof List> }>(
    '/_watan/v1/licences',
    { ...authenticated, schema: { querystring: List } },
    async (request) => {
      const userId = signedInUser(request, node);
      return { licences: askBuilder(node.subnet, 'licence_list', request.query, userId) };
    },
  );
  server.post<{ Body: Static<typeof Assign> }>('/_watan/v1/licences', { ...authenticated, schema: { body: Assign } }, async (request) => {
    const userId = signedInUser(request, node);
    return runBuilder(node.subnet, 'licence_assign', request.body, userId);
  });
  server.get<{ Params: Static<typeof Holder> }>(
    '/_watan/v1/licences/holders/:userId',
    { ...authenticated, schema: { params: Holder } },
    async (request) => {
      const userId = signedInUser(request, node);
      const holder = request.params.userId;
      return { licences: askBuilder(node.subnet, 'licence_of', { user_id: holder }, userId) };
    },
  );
  server.post<{ Params: Static<typeof LicenceParams>; Body: Static<typeof Revoke> }>(
    '/_watan/v1/licences/:licence/revoke',
    { ...authenticated, schema: { params: LicenceParams, body: Revoke } },
    async (request) => {
      const userId = signedInUser(request, node);
      return runBuilder(node.subnet, 'licence_revoke', { licence: request.params.licence, reason: request.body.reason }, userId);
    },
  );
  server.get<{ Querystring: Static<typeof Audit> }>(
    '/_watan/v1/licences/audit',
    { ...authenticated, schema: { querystring: Audit } },
    async (request) => {
      const userId = signedInUser(request, node);
      return { entries: askBuilder(node.subnet, 'licence_audit', request.query, userId) };
    },
  );
}
