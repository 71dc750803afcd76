import {
  type Action,
  type AppSpec,
  type ConditionSpec,
  CREATOR_ROLE,
  type EntitySpec,
  type FieldSpec,
  type NotificationSpec,
  OWNER_ROLE,
  type PermissionSpec,
  type RecipientSpec,
  type RoleSpec,
  type ScalarValue,
} from '../../builder/index.ts';
import { formatMoney, formatNumber, type Language } from '../shell/index.ts';
import { builderText } from './messages.ts';

/** One part of the explanation: a heading and its sentences, in the order a person reads them. */
export interface ExplanationSection {
  kind: 'entities' | 'roles' | 'permissions' | 'workflow' | 'notifications';
  heading: string;
  sentences: string[];
}

/** A spec in plain words: what the app is called, what it is for, and each part in sentences. */
export interface Explanation {
  name: string;
  description: string | null;
  sections: ExplanationSection[];
}

/** The words the explanation is made of, in each language (one object per language, same keys). */
interface Phrases {
  headings: Record<ExplanationSection['kind'], string>;
  oneOf(choices: string[]): string;
  recordOf(entity: string): string;
  required: string;
  unique: string;
  between(min: string, max: string): string;
  atLeast(min: string): string;
  atMost(max: string): string;
  characters(limit: string): string;
  defaultIs(value: string): string;
  renamedFrom(name: string): string;
  cappedBy(field: string): string;
  entity(entity: string, fields: string[]): string;
  holders: Record<NonNullable<RoleSpec['holders']>, string>;
  role(role: string, holders: string): string;
  owner: string;
  creator: string;
  actions: Record<Action, string>;
  permission(role: string, actions: string[], own: boolean, entity: string, conditions: string[]): string;
  fieldIs(field: string, value: string): string;
  fieldIn(field: string, values: string[]): string;
  fieldIsCaller: string;
  fieldIsCallerOrganisation: string;
  nobody: string;
  starts(entity: string, state: string): string;
  transition(label: string, roles: string[], from: string[], to: string): string;
  onCreate(entity: string): string;
  onTransition(entity: string, transition: string): string;
  personIn(field: string): string;
  room(room: string): string;
  notification(when: string, to: string[], message: string): string;
  yes: string;
  no: string;
  list(items: string[], word: 'and' | 'or'): string;
}

const quoted = (text: string, language: Language) => (language === 'en' ? `“${text}”` : `«${text}»`);

const ENGLISH: Phrases = {
  headings: {
    entities: 'What it keeps',
    roles: 'Who uses it',
    permissions: 'Who can do what',
    workflow: 'Steps',
    notifications: 'Messages',
  },
  oneOf: (choices) => `one of: ${choices.join(', ')}`,
  recordOf: (entity) => `a ${entity} record`,
  required: 'required',
  unique: 'no two records alike',
  between: (min, max) => `from ${min} to ${max}`,
  atLeast: (min) => `at least ${min}`,
  atMost: (max) => `at most ${max}`,
  characters: (limit) => `${limit} characters`,
  defaultIs: (value) => `${value} unless filled in`,
  renamedFrom: (name) => `formerly “${name}”`,
  cappedBy: (field) => `no more than its ${field} allow`,
  entity: (entity, fields) => `${entity}: ${fields.join('; ')}.`,
  holders: {
    assigned: 'people the app’s owner names',
    everyone: 'anyone signed in to the messenger',
    verified: 'anyone with a verified national identity',
  },
  role: (role, holders) => `${role}: ${holders}.`,
  owner: 'the app’s builders',
  creator: 'the person who created the record',
  actions: { create: 'add', read: 'see', update: 'change', delete: 'delete' },
  permission: (role, actions, own, entity, conditions) =>
    `${role} can ${ENGLISH.list(actions, 'and')} ${own ? 'their own' : 'every'} ${entity} record${
      conditions.length > 0 ? ` when ${ENGLISH.list(conditions, 'and')}` : ''
    }.`,
  fieldIs: (field, value) => `${field} is ${value}`,
  fieldIn: (field, values) => `${field} is ${ENGLISH.list(values, 'or')}`,
  fieldIsCaller: 'themselves',
  fieldIsCallerOrganisation: 'their own organisation',
  nobody: 'Nobody can do anything yet: no permission is given.',
  starts: (entity, state) => `A new ${entity} starts as ${state}.`,
  transition: (label, roles, from, to) => `${label}: ${ENGLISH.list(roles, 'or')} move it from ${ENGLISH.list(from, 'or')} to ${to}.`,
  onCreate: (entity) => `When a ${entity} is added`,
  onTransition: (entity, transition) => `When a ${entity} takes the step ${transition}`,
  personIn: (field) => `the person in ${field}`,
  room: (room) => `the room ${room}`,
  notification: (when, to, message) => `${when}, the message ${message} goes to ${ENGLISH.list(to, 'and')}.`,
  yes: 'yes',
  no: 'no',
  list(items, word) {
    if (items.length <= 1) return items.join('');
    return `${items.slice(0, -1).join(', ')} ${word} ${items[items.length - 1]}`;
  },
};

const URDU: Phrases = {
  headings: {
    entities: 'یہ کیا محفوظ رکھتی ہے',
    roles: 'کون استعمال کرتا ہے',
    permissions: 'کون کیا کر سکتا ہے',
    workflow: 'مراحل',
    notifications: 'پیغامات',
  },
  oneOf: (choices) => `ان میں سے ایک: ${choices.join('، ')}`,
  recordOf: (entity) => `ایک ${entity} ریکارڈ`,
  required: 'لازمی',
  unique: 'ہر ریکارڈ میں الگ',
  between: (min, max) => `${min} سے ${max} تک`,
  atLeast: (min) => `کم از کم ${min}`,
  atMost: (max) => `زیادہ سے زیادہ ${max}`,
  characters: (limit) => `${limit} حروف`,
  defaultIs: (value) => `نہ بھرا جائے تو ${value}`,
  renamedFrom: (name) => `پہلے «${name}»`,
  cappedBy: (field) => `اس کی ${field} سے زیادہ نہیں`,
  entity: (entity, fields) => `${entity}: ${fields.join('؛ ')}۔`,
  holders: {
    assigned: 'وہ لوگ جنہیں ایپ کا مالک مقرر کرے',
    everyone: 'میسنجر میں سائن ان ہر فرد',
    verified: 'تصدیق شدہ قومی شناخت والا ہر فرد',
  },
  role: (role, holders) => `${role}: ${holders}۔`,
  owner: 'ایپ کے بنانے والے',
  creator: 'ریکارڈ بنانے والا',
  actions: { create: 'بنانا', read: 'دیکھنا', update: 'بدلنا', delete: 'حذف کرنا' },
  permission: (role, actions, own, entity, conditions) =>
    `${role}: ${own ? 'اپنے' : 'تمام'} ${entity} ریکارڈ — ${actions.join('، ')}${
      conditions.length > 0 ? `، جب ${URDU.list(conditions, 'and')}` : ''
    }۔`,
  fieldIs: (field, value) => `${field} ${value} ہو`,
  fieldIn: (field, values) => `${field} ${URDU.list(values, 'or')} ہو`,
  fieldIsCaller: 'وہ خود',
  fieldIsCallerOrganisation: 'ان کا اپنا ادارہ',
  nobody: 'ابھی کوئی کچھ نہیں کر سکتا: کوئی اجازت نہیں دی گئی۔',
  starts: (entity, state) => `نیا ${entity} ${state} سے شروع ہوتا ہے۔`,
  transition: (label, roles, from, to) => `${label}: ${URDU.list(roles, 'or')} اسے ${URDU.list(from, 'or')} سے ${to} میں لے جاتے ہیں۔`,
  onCreate: (entity) => `جب نیا ${entity} بنے`,
  onTransition: (entity, transition) => `جب ${entity} پر ${transition} کا مرحلہ ہو`,
  personIn: (field) => `${field} میں درج فرد`,
  room: (room) => `کمرہ ${room}`,
  notification: (when, to, message) => `${when} تو ${URDU.list(to, 'and')} کو پیغام جاتا ہے: ${message}`,
  yes: 'ہاں',
  no: 'نہیں',
  list(items, word) {
    if (items.length <= 1) return items.join('');
    return `${items.slice(0, -1).join('، ')} ${word === 'and' ? 'اور' : 'یا'} ${items[items.length - 1]}`;
  },
};

const PHRASES: Record<Language, Phrases> = { en: ENGLISH, ur: URDU };

/**
 * The spec in plain words: each entity with its fields, who holds each role, who can do what,
 * the workflow's steps with who takes them, and who is told what. Every name a person reads is
 * the spec's own label in their language; nothing is invented beyond what the spec says.
 */
export function explainSpec(spec: AppSpec, language: Language): Explanation {
  const words = new SpecWords(spec, language);
  const sections: ExplanationSection[] = [
    { kind: 'entities', heading: words.phrases.headings.entities, sentences: spec.entities.map((entity) => words.entitySentence(entity)) },
    { kind: 'roles', heading: words.phrases.headings.roles, sentences: spec.roles.map((role) => words.roleSentence(role)) },
    {
      kind: 'permissions',
      heading: words.phrases.headings.permissions,
      sentences: spec.permissions.length > 0 ? spec.permissions.map((p) => words.permissionSentence(p)) : [words.phrases.nobody],
    },
  ];
  const steps = spec.entities.flatMap((entity) => words.workflowSentences(entity));
  if (steps.length > 0) sections.push({ kind: 'workflow', heading: words.phrases.headings.workflow, sentences: steps });
  const messages = (spec.notifications ?? []).map((n) => words.notificationSentence(n));
  if (messages.length > 0) sections.push({ kind: 'notifications', heading: words.phrases.headings.notifications, sentences: messages });
  return { name: spec.name[language], description: spec.description?.[language] ?? null, sections };
}

/** Looks up the spec's labels in one language and builds the sentences from them. */
class SpecWords {
  readonly phrases: Phrases;
  readonly #spec: AppSpec;
  readonly #language: Language;

  constructor(spec: AppSpec, language: Language) {
    this.#spec = spec;
    this.#language = language;
    this.phrases = PHRASES[language];
  }

  entitySentence(entity: EntitySpec): string {
    return this.phrases.entity(
      this.#quote(entity.label[this.#language]),
      entity.fields.map((field) => this.#fieldWords(entity, field)),
    );
  }

  roleSentence(role: RoleSpec): string {
    return this.phrases.role(role.label[this.#language], this.phrases.holders[role.holders ?? 'assigned']);
  }

  permissionSentence(permission: PermissionSpec): string {
    const entity = this.#entity(permission.entity);
    const conditions = (permission.when ?? []).map((condition) => this.#conditionWords(entity, condition));
    return this.phrases.permission(
      this.#roleName(permission.role),
      permission.actions.map((action) => this.phrases.actions[action]),
      (permission.scope ?? 'own') === 'own',
      this.#quote(entity?.label[this.#language] ?? permission.entity),
      conditions,
    );
  }

  workflowSentences(entity: EntitySpec): string[] {
    const workflow = entity.workflow;
    if (!workflow) return [];
    const status = entity.fields.find((field) => field.name === workflow.field);
    const state = (value: string) => this.#quote(this.#choiceLabel(status, value));
    const name = this.#quote(entity.label[this.#language]);
    return [
      this.phrases.starts(name, state(workflow.initial)),
      ...workflow.transitions.map((transition) =>
        this.phrases.transition(
          this.#quote(transition.label[this.#language]),
          transition.roles.map((role) => this.#roleName(role)),
          transition.from.map(state),
          state(transition.to),
        ),
      ),
    ];
  }

  notificationSentence(notification: NotificationSpec): string {
    const entity = this.#entity(notification.entity);
    const entityName = this.#quote(entity?.label[this.#language] ?? notification.entity);
    const transitionName = notification.on.startsWith('transition:') ? notification.on.slice('transition:'.length) : null;
    const transition = entity?.workflow?.transitions.find((t) => t.name === transitionName);
    const when =
      transitionName === null
        ? this.phrases.onCreate(entityName)
        : this.phrases.onTransition(entityName, this.#quote(transition?.label[this.#language] ?? transitionName));
    return this.phrases.notification(
      when,
      notification.to.map((recipient) => this.#recipientWords(entity, recipient)),
      this.#quote(notification.message[this.#language]),
    );
  }

  #fieldWords(entity: EntitySpec, field: FieldSpec): string {
    const label = field.label[this.#language];
    const facts = [this.#typeWords(field)];
    if (field.required) facts.push(this.phrases.required);
    if (field.unique) facts.push(this.phrases.unique);
    const limits = this.#limitWords(field);
    if (limits) facts.push(limits);
    if (field.default !== undefined) facts.push(this.phrases.defaultIs(this.#valueWords(field, field.default)));
    if (field.capacity) {
      const target = field.entity ? this.#entity(field.entity) : undefined;
      const capacity = target?.fields.find((f) => f.name === field.capacity);
      facts.push(this.phrases.cappedBy(this.#quote(capacity?.label[this.#language] ?? field.capacity)));
    }
    if (field.formerly) {
      const previous = entity.fields.find((f) => f.name === field.formerly);
      facts.push(this.phrases.renamedFrom(previous?.label[this.#language] ?? field.formerly));
    }
    const separator = this.#language === 'en' ? ', ' : '، ';
    return `${label} (${facts.join(separator)})`;
  }

  #typeWords(field: FieldSpec): string {
    if (field.type === 'choice') return this.phrases.oneOf((field.choices ?? []).map((choice) => choice.label[this.#language]));
    if (field.type === 'reference') {
      const target = field.entity ? this.#entity(field.entity) : undefined;
      return this.phrases.recordOf(this.#quote(target?.label[this.#language] ?? field.entity ?? ''));
    }
    return builderText(this.#language).typeNames[field.type] ?? field.type;
  }

  /** Limits as a person reads them: characters for text, rupees for money, dates as written. */
  #limitWords(field: FieldSpec): string | null {
    if (field.min === undefined && field.max === undefined) return null;
    const shown = (limit: number | string) => {
      if (typeof limit === 'string') return limit;
      if (field.type === 'money') return formatMoney(this.#language, limit / 100);
      return this.#number(limit);
    };
    const text = field.type === 'text' || field.type === 'long_text';
    const words =
      field.min !== undefined && field.max !== undefined
        ? this.phrases.between(shown(field.min), shown(field.max))
        : field.min !== undefined
          ? this.phrases.atLeast(shown(field.min))
          : this.phrases.atMost(shown(field.max as number | string));
    return text ? this.phrases.characters(words) : words;
  }

  #valueWords(field: FieldSpec | undefined, value: ScalarValue): string {
    if (typeof value === 'boolean') return value ? this.phrases.yes : this.phrases.no;
    if (typeof value === 'number') return field?.type === 'money' ? formatMoney(this.#language, value / 100) : this.#number(value);
    if (field?.type === 'choice') return this.#quote(this.#choiceLabel(field, value));
    return this.#quote(value);
  }

  #conditionWords(entity: EntitySpec | undefined, condition: ConditionSpec): string {
    const field = entity?.fields.find((f) => f.name === condition.field);
    const name = this.#quote(field?.label[this.#language] ?? condition.field);
    if (condition.isCaller === 'person') return this.phrases.fieldIs(name, this.phrases.fieldIsCaller);
    if (condition.isCaller === 'organisation') return this.phrases.fieldIs(name, this.phrases.fieldIsCallerOrganisation);
    if (condition.in)
      return this.phrases.fieldIn(
        name,
        condition.in.map((value) => this.#valueWords(field, value)),
      );
    if (condition.equals !== undefined) return this.phrases.fieldIs(name, this.#valueWords(field, condition.equals));
    return name;
  }

  #recipientWords(entity: EntitySpec | undefined, recipient: RecipientSpec): string {
    if (recipient.role) return this.#roleName(recipient.role);
    if (recipient.creator) return this.phrases.creator;
    if (recipient.field) {
      const field = entity?.fields.find((f) => f.name === recipient.field);
      return this.phrases.personIn(this.#quote(field?.label[this.#language] ?? recipient.field));
    }
    return this.phrases.room(recipient.room ?? '');
  }

  #roleName(name: string): string {
    if (name === OWNER_ROLE) return this.phrases.owner;
    if (name === CREATOR_ROLE) return this.phrases.creator;
    return this.#spec.roles.find((role) => role.name === name)?.label[this.#language] ?? name;
  }

  #choiceLabel(field: FieldSpec | undefined, value: string): string {
    return field?.choices?.find((choice) => choice.value === value)?.label[this.#language] ?? value;
  }

  #entity(name: string): EntitySpec | undefined {
    return this.#spec.entities.find((entity) => entity.name === name);
  }

  #number(value: number): string {
    return formatNumber(this.#language, value);
  }

  #quote(text: string): string {
    return quoted(text, this.#language);
  }
}
