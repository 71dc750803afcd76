import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import type { NodeContext } from '../../node/index.ts';
import { askBuilder, builderError, callerOf, runBuilder, useBuilderErrors } from './calls.ts';
import { registerBuilderFiles } from './files.ts';
import { openApiOf } from './openapi.ts';

const AppParams = Type.Object({ app: Type.String({ pattern: '^[a-z][a-z0-9-]{1,39}$' }) });
const EntityParams = Type.Object({ app: AppParams.properties.app, entity: Type.String({ pattern: '^[a-z][a-z0-9_]{0,39}$' }) });
const RecordParams = Type.Object({ ...EntityParams.properties, id: Type.String({ pattern: '^[1-9][0-9]{0,15}$' }) });
const TransitionParams = Type.Object({ ...RecordParams.properties, transition: EntityParams.properties.entity });
const DeployBody = Type.Object({ spec: Type.Unknown(), confirm: Type.Optional(Type.Boolean()) }, { additionalProperties: false });
const DiffBody = Type.Object({ spec: Type.Unknown() }, { additionalProperties: false });
const RestoreBody = Type.Object(
  { version: Type.Integer({ minimum: 1 }), confirm: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
const FieldsBody = Type.Object(
  { fields: Type.Record(Type.String(), Type.Unknown()), revision: Type.Optional(Type.Integer({ minimum: 1 })) },
  { additionalProperties: false },
);
const ListQuery = Type.Object({
  filters: Type.Optional(Type.String({ maxLength: 4000 })),
  sort: Type.Optional(Type.String({ maxLength: 40 })),
  order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
  search: Type.Optional(Type.String({ maxLength: 200 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  after: Type.Optional(Type.String({ maxLength: 400 })),
});

/**
 * The builder's HTTP API under /_watan/v1/apps: specs (deploy, diff, versions, restore,
 * remove, export), each app's records, and its OpenAPI document. Every endpoint needs a
 * messenger access token; every refusal is the node's own JSON error `{ errcode, error }`.
 */
export function registerBuilderRoutes(server: FastifyInstance, node: NodeContext): void {
  server.register(async (scope) => {
    useBuilderErrors(scope);
    const { subnet } = node;
    const who = (request: FastifyRequest) => callerOf(request, subnet);

    scope.get('/_watan/v1/apps', async (request) => ({ apps: askBuilder(subnet, 'app_list', {}, who(request)) }));
    scope.post('/_watan/v1/apps', { schema: { body: DeployBody } }, async (request) => {
      const body = request.body as Static<typeof DeployBody>;
      return runBuilder(subnet, 'app_deploy', { spec: body.spec, ...(body.confirm ? { confirm: true } : {}) }, who(request));
    });
    scope.post('/_watan/v1/apps/diff', { schema: { body: DiffBody } }, async (request) =>
      askBuilder(subnet, 'app_diff', { spec: (request.body as Static<typeof DiffBody>).spec }, who(request)),
    );
    scope.get('/_watan/v1/apps/:app', { schema: { params: AppParams } }, async (request) =>
      askBuilder(subnet, 'app_spec', { app: (request.params as Static<typeof AppParams>).app }, who(request)),
    );
    scope.get('/_watan/v1/apps/:app/versions', { schema: { params: AppParams } }, async (request) => ({
      versions: askBuilder(subnet, 'app_versions', { app: (request.params as Static<typeof AppParams>).app }, who(request)),
    }));
    scope.delete('/_watan/v1/apps/:app', { schema: { params: AppParams } }, async (request) =>
      runBuilder(subnet, 'app_remove', { app: (request.params as Static<typeof AppParams>).app }, who(request)),
    );
    scope.post('/_watan/v1/apps/:app/restore', { schema: { params: AppParams, body: RestoreBody } }, async (request) => {
      const body = request.body as Static<typeof RestoreBody>;
      return runBuilder(subnet, 'app_restore', { app: (request.params as Static<typeof AppParams>).app, ...body }, who(request));
    });
    scope.get('/_watan/v1/apps/:app/openapi.json', { schema: { params: AppParams } }, async (request) => {
      const { spec, version } = askBuilder(subnet, 'app_spec', request.params as Static<typeof AppParams>, who(request));
      return openApiOf(spec, version);
    });

    registerBuilderFiles(scope, node, who);

    const records = '/_watan/v1/apps/:app/records/:entity';
    scope.get(records, { schema: { params: EntityParams, querystring: ListQuery } }, async (request) => {
      const { app, entity } = request.params as Static<typeof EntityParams>;
      const q = request.query as Static<typeof ListQuery>;
      let filters: unknown;
      if (q.filters !== undefined) {
        try {
          filters = JSON.parse(q.filters);
        } catch {
          throw builderError(
            'INVALID_ARGS',
            'filters is JSON: {"field": value} or {"field": {"min": a, "max": b}} or {"field": {"in": [...]}}',
          );
        }
      }
      const args = {
        app,
        entity,
        ...(filters !== undefined ? { filters: filters as never } : {}),
        ...(q.sort !== undefined ? { sort: { field: q.sort, ...(q.order ? { direction: q.order } : {}) } } : {}),
        ...(q.search !== undefined ? { search: q.search } : {}),
        ...(q.limit !== undefined ? { limit: q.limit } : {}),
        ...(q.after !== undefined ? { after: q.after } : {}),
      };
      return askBuilder(subnet, 'record_list', args, who(request));
    });
    scope.post(records, { schema: { params: EntityParams, body: FieldsBody } }, async (request) => {
      const { app, entity } = request.params as Static<typeof EntityParams>;
      return runBuilder(
        subnet,
        'record_create',
        { app, entity, fields: (request.body as Static<typeof FieldsBody>).fields as never },
        who(request),
      );
    });
    scope.get(`${records}/:id`, { schema: { params: RecordParams } }, async (request) =>
      askBuilder(subnet, 'record_get', request.params as Static<typeof RecordParams>, who(request)),
    );
    scope.patch(`${records}/:id`, { schema: { params: RecordParams, body: FieldsBody } }, async (request) => {
      const body = request.body as Static<typeof FieldsBody>;
      return runBuilder(
        subnet,
        'record_update',
        { ...(request.params as Static<typeof RecordParams>), ...body, fields: body.fields as never },
        who(request),
      );
    });
    scope.delete(`${records}/:id`, { schema: { params: RecordParams } }, async (request) =>
      runBuilder(subnet, 'record_delete', { ...(request.params as Static<typeof RecordParams>) }, who(request)),
    );
    scope.post(`${records}/:id/transitions/:transition`, { schema: { params: TransitionParams } }, async (request) =>
      runBuilder(subnet, 'record_transition', { ...(request.params as Static<typeof TransitionParams>) }, who(request)),
    );
  });
}
