import Type, { type Static } from 'typebox';

/**
 * The app spec, version 1: everything a generated app is, as data. The engine interprets it;
 * nothing in it is code. Shape changes are additions only (a planner writes against it).
 */
export const SPEC_VERSION = 1;

/** A machine name: entity, field, role, view, transition. Lower-case so it is also a stable key. */
export const Name = Type.String({
  pattern: '^[a-z][a-z0-9_]{0,39}$',
  description: 'lower-case letters, digits and _, starting with a letter',
});

/** An app's slug: its address under /_watan/v1/apps/{slug}. */
export const Slug = Type.String({ pattern: '^[a-z][a-z0-9-]{1,39}$', description: 'lower-case letters, digits and -, 2 to 40 long' });

/** Every word a person reads comes in English and Urdu. */
export const Label = Type.Object(
  { en: Type.String({ minLength: 1, maxLength: 200 }), ur: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);

export const FIELD_TYPES = [
  'text',
  'long_text',
  'number',
  'money',
  'date',
  'datetime',
  'yes_no',
  'choice',
  'email',
  'phone',
  'person',
  'reference',
  'file',
] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/**
 * A value a record field may hold in JSON: text, a whole number, yes/no. Numbers are integers
 * because every command is canonical JSON (integers only); money is a whole number of paisa.
 */
export const Scalar = Type.Union([Type.String({ maxLength: 10000 }), Type.Integer(), Type.Boolean()]);

export const Choice = Type.Object({ value: Name, label: Label }, { additionalProperties: false });

export const Field = Type.Object(
  {
    name: Name,
    label: Label,
    type: Type.Union([
      Type.Literal('text'),
      Type.Literal('long_text'),
      Type.Literal('number'),
      Type.Literal('money'),
      Type.Literal('date'),
      Type.Literal('datetime'),
      Type.Literal('yes_no'),
      Type.Literal('choice'),
      Type.Literal('email'),
      Type.Literal('phone'),
      Type.Literal('person'),
      Type.Literal('reference'),
      Type.Literal('file'),
    ]),
    required: Type.Optional(Type.Boolean()),
    unique: Type.Optional(Type.Boolean()),
    default: Type.Optional(Scalar),
    /** Numbers and money (paisa): the smallest value; text: the fewest characters; dates: the earliest (as a date string). */
    min: Type.Optional(Type.Union([Type.Integer(), Type.String({ maxLength: 40 })])),
    max: Type.Optional(Type.Union([Type.Integer(), Type.String({ maxLength: 40 })])),
    /** Type choice: the allowed values, in the order a form shows them. */
    choices: Type.Optional(Type.Array(Choice, { minItems: 1, maxItems: 200 })),
    /** Type reference: the entity a value points at (a record id of that entity). */
    entity: Type.Optional(Name),
    /** The field's name in the previous version, when it was renamed: its values move with it. */
    formerly: Type.Optional(Name),
    /**
     * Type reference: a number field of the referenced entity that caps how many records may
     * refer to one of its records (seats of a course, slots of a day).
     */
    capacity: Type.Optional(Name),
  },
  { additionalProperties: false },
);

export const Transition = Type.Object(
  {
    name: Name,
    label: Label,
    from: Type.Array(Name, { minItems: 1, maxItems: 100 }),
    to: Name,
    /** Roles that may make this transition; `creator` also lets the record's creator make it. */
    roles: Type.Array(Name, { minItems: 1, maxItems: 50 }),
  },
  { additionalProperties: false },
);

/** A status field (of type choice) whose changes go only through named transitions. */
export const Workflow = Type.Object(
  { field: Name, initial: Name, transitions: Type.Array(Transition, { minItems: 1, maxItems: 100 }) },
  { additionalProperties: false },
);

export const Entity = Type.Object(
  {
    name: Name,
    label: Label,
    fields: Type.Array(Field, { minItems: 1, maxItems: 100 }),
    workflow: Type.Optional(Workflow),
    formerly: Type.Optional(Name),
  },
  { additionalProperties: false },
);

/**
 * Who holds a role: `assigned` (the app's owner gives it to people), `everyone` (anyone signed
 * in), `verified` (anyone whose account is bound to a verified national identity).
 */
export const Role = Type.Object(
  {
    name: Name,
    label: Label,
    holders: Type.Optional(Type.Union([Type.Literal('assigned'), Type.Literal('everyone'), Type.Literal('verified')])),
  },
  { additionalProperties: false },
);

/**
 * A condition on a record, all of a permission's conditions must hold. `equals`/`in` compare a
 * field's value; `isCaller` says the field holds the caller (a person field) or the caller's
 * organisation (from their verified identity's attestation).
 */
export const Condition = Type.Object(
  {
    field: Name,
    equals: Type.Optional(Scalar),
    in: Type.Optional(Type.Array(Scalar, { minItems: 1, maxItems: 100 })),
    isCaller: Type.Optional(Type.Union([Type.Literal('person'), Type.Literal('organisation')])),
  },
  { additionalProperties: false },
);

export const ACTIONS = ['create', 'read', 'update', 'delete'] as const;
export type Action = (typeof ACTIONS)[number];

/**
 * What a role may do to an entity's records. Nothing is allowed that no permission grants.
 * `scope` own: only records the caller created; all: every record (default own).
 */
export const Permission = Type.Object(
  {
    role: Name,
    entity: Name,
    actions: Type.Array(Type.Union([Type.Literal('create'), Type.Literal('read'), Type.Literal('update'), Type.Literal('delete')]), {
      minItems: 1,
      maxItems: 4,
    }),
    scope: Type.Optional(Type.Union([Type.Literal('own'), Type.Literal('all')])),
    when: Type.Optional(Type.Array(Condition, { minItems: 1, maxItems: 10 })),
  },
  { additionalProperties: false },
);

export const Sort = Type.Object(
  { field: Name, direction: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])) },
  { additionalProperties: false },
);

/** A screen: a list (columns, filters, sort, search), a form (fields to fill) or a detail page. */
export const View = Type.Object(
  {
    name: Name,
    label: Label,
    entity: Name,
    kind: Type.Union([Type.Literal('list'), Type.Literal('form'), Type.Literal('detail')]),
    columns: Type.Optional(Type.Array(Name, { minItems: 1, maxItems: 50 })),
    filters: Type.Optional(Type.Array(Name, { maxItems: 20 })),
    sort: Type.Optional(Sort),
    search: Type.Optional(Type.Array(Name, { maxItems: 20 })),
    fields: Type.Optional(Type.Array(Name, { minItems: 1, maxItems: 100 })),
  },
  { additionalProperties: false },
);

/** A recipient: holders of a role, the person in a person field, the record's creator, or a room. */
export const Recipient = Type.Object(
  {
    role: Type.Optional(Name),
    field: Type.Optional(Name),
    creator: Type.Optional(Type.Literal(true)),
    room: Type.Optional(Type.String({ pattern: '^!.+:.+$', maxLength: 255 })),
  },
  { additionalProperties: false },
);

/** A message through the National Messenger when a record is created or makes a transition. {field} in the text is replaced by the record's value. */
export const Notification = Type.Object(
  {
    entity: Name,
    on: Type.Union([Type.Literal('create'), Type.String({ pattern: '^transition:[a-z][a-z0-9_]{0,39}$' })]),
    to: Type.Array(Recipient, { minItems: 1, maxItems: 10 }),
    message: Label,
  },
  { additionalProperties: false },
);

export const AppSpec = Type.Object(
  {
    specVersion: Type.Literal(SPEC_VERSION),
    slug: Slug,
    name: Label,
    description: Type.Optional(Label),
    roles: Type.Array(Role, { minItems: 1, maxItems: 50 }),
    entities: Type.Array(Entity, { minItems: 1, maxItems: 50 }),
    permissions: Type.Array(Permission, { maxItems: 500 }),
    views: Type.Optional(Type.Array(View, { maxItems: 200 })),
    notifications: Type.Optional(Type.Array(Notification, { maxItems: 100 })),
  },
  { additionalProperties: false },
);

export type AppSpec = Static<typeof AppSpec>;
export type EntitySpec = Static<typeof Entity>;
export type FieldSpec = Static<typeof Field>;
export type RoleSpec = Static<typeof Role>;
export type PermissionSpec = Static<typeof Permission>;
export type ConditionSpec = Static<typeof Condition>;
export type ViewSpec = Static<typeof View>;
export type WorkflowSpec = Static<typeof Workflow>;
export type NotificationSpec = Static<typeof Notification>;
export type RecipientSpec = Static<typeof Recipient>;
export type ScalarValue = Static<typeof Scalar>;
