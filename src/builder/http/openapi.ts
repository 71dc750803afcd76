import type { AppSpec, EntitySpec, FieldSpec } from '../spec/index.ts';

/** The JSON Schema of a field's value, as the engine checks it. */
function fieldSchema(field: FieldSpec): Record<string, unknown> {
  const described = { description: field.label.en, 'x-label-ur': field.label.ur };
  switch (field.type) {
    case 'number':
    case 'money':
      return {
        ...described,
        type: 'integer',
        ...(field.type === 'money' ? { 'x-unit': 'paisa' } : {}),
        ...bounds(field, 'minimum', 'maximum'),
      };
    case 'yes_no':
      return { ...described, type: 'boolean' };
    case 'choice':
      return { ...described, type: 'string', enum: (field.choices ?? []).map((c) => c.value) };
    case 'date':
      return { ...described, type: 'string', format: 'date' };
    case 'datetime':
      return { ...described, type: 'string', format: 'date-time' };
    case 'email':
      return { ...described, type: 'string', format: 'email' };
    case 'reference':
      return { ...described, type: 'string', pattern: '^[1-9][0-9]*$', 'x-references': field.entity };
    case 'person':
      return { ...described, type: 'string', pattern: '^@.+:.+$', 'x-person': true };
    case 'file':
      return { ...described, type: 'string', pattern: '^[0-9a-f]{64}$', 'x-file': 'sha256' };
    default:
      return { ...described, type: 'string', ...bounds(field, 'minLength', 'maxLength') };
  }
}

function bounds(field: FieldSpec, low: string, high: string): Record<string, unknown> {
  return {
    ...(typeof field.min === 'number' ? { [low]: field.min } : {}),
    ...(typeof field.max === 'number' ? { [high]: field.max } : {}),
  };
}

function entitySchema(entity: EntitySpec): Record<string, unknown> {
  return {
    type: 'object',
    additionalProperties: false,
    properties: Object.fromEntries(entity.fields.map((field) => [field.name, fieldSchema(field)])),
    required: entity.fields.filter((f) => f.required && f.default === undefined && f.name !== entity.workflow?.field).map((f) => f.name),
  };
}

const error = {
  description: 'refused: { errcode, error } naming the problem',
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
};

/** An OpenAPI 3.1 document for one app's JSON API, derived from its installed spec. */
export function openApiOf(spec: AppSpec, version: number): Record<string, unknown> {
  const base = `/_watan/v1/apps/${spec.slug}/records`;
  const paths: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {
    Error: { type: 'object', required: ['errcode', 'error'], properties: { errcode: { type: 'string' }, error: { type: 'string' } } },
  };
  for (const entity of spec.entities) {
    const name = entity.name;
    schemas[name] = entitySchema(entity);
    const record = {
      type: 'object',
      properties: {
        id: { type: 'string' },
        revision: { type: 'integer' },
        fields: { $ref: `#/components/schemas/${name}` },
        created_by: { type: 'string' },
        created_at: { type: 'integer' },
        updated_by: { type: 'string' },
        updated_at: { type: 'integer' },
      },
    };
    const ok = (description: string, schema: unknown) => ({ description, content: { 'application/json': { schema } } });
    paths[`${base}/${name}`] = {
      get: {
        summary: `List ${entity.label.en} records you may read`,
        parameters: [
          { name: 'filters', in: 'query', description: 'JSON: field → value, {min,max} or {in:[...]}', schema: { type: 'string' } },
          { name: 'sort', in: 'query', schema: { type: 'string', enum: entity.fields.map((f) => f.name) } },
          { name: 'order', in: 'query', schema: { type: 'string', enum: ['asc', 'desc'] } },
          { name: 'search', in: 'query', schema: { type: 'string' } },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200 } },
          { name: 'after', in: 'query', description: 'the `next` of the previous page', schema: { type: 'string' } },
        ],
        responses: {
          200: ok('a page', {
            type: 'object',
            properties: { records: { type: 'array', items: record }, next: { type: ['string', 'null'] } },
          }),
          default: error,
        },
      },
      post: {
        summary: `Create a ${entity.label.en}`,
        requestBody: {
          content: { 'application/json': { schema: { type: 'object', properties: { fields: { $ref: `#/components/schemas/${name}` } } } } },
        },
        responses: { 200: ok('the record', record), default: error },
      },
    };
    paths[`${base}/${name}/{id}`] = {
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
      get: { summary: `Read a ${entity.label.en}`, responses: { 200: ok('the record', record), default: error } },
      patch: {
        summary: `Change fields of a ${entity.label.en} (null clears one)`,
        requestBody: {
          content: {
            'application/json': { schema: { type: 'object', properties: { fields: { type: 'object' }, revision: { type: 'integer' } } } },
          },
        },
        responses: { 200: ok('the record', record), default: error },
      },
      delete: { summary: `Delete a ${entity.label.en}`, responses: { 200: ok('deleted', { type: 'object' }), default: error } },
    };
    for (const transition of entity.workflow?.transitions ?? []) {
      paths[`${base}/${name}/{id}/transitions/${transition.name}`] = {
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        post: {
          summary: `${transition.label.en}: ${transition.from.join('/')} → ${transition.to} (by ${transition.roles.join(', ')})`,
          responses: { 200: ok('the record', record), default: error },
        },
      };
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: spec.name.en,
      'x-title-ur': spec.name.ur,
      version: String(version),
      ...(spec.description ? { description: spec.description.en } : {}),
    },
    components: {
      schemas,
      securitySchemes: { matrixToken: { type: 'http', scheme: 'bearer', description: 'a National Messenger access token' } },
    },
    security: [{ matrixToken: [] }],
    paths,
  };
}
