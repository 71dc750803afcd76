import { type AppSpec, type EntitySpec, type FieldSpec, type FieldType, stableJson, valueProblem } from '../spec/index.ts';
import { convertValue, entitySources, type Fields, fieldSources } from './migrate.ts';

/** safe: applies at once, loses nothing. confirm: its consequence is stated, and it applies only when the builder confirms. */
export type Safety = 'safe' | 'confirm';

export interface SpecChange {
  safety: Safety;
  kind: string;
  entity?: string;
  field?: string;
  role?: string;
  /** Records the change touches (moves, converts, archives or leaves incomplete); 0 when no data was given. */
  records: number;
  en: string;
  ur: string;
}

/** Values an earlier upgrade took out of records, under the entity and field names they had then. */
export interface ArchivedValues {
  /** The version whose deploy archived them: they are the data of the versions before it. */
  removedIn: number;
  entity: string;
  fields: Fields;
}

/** What the diff may know of the installed app's data, to count what each change touches. */
export interface InstalledData {
  records(entity: string): Iterable<Fields>;
  membersHolding(role: string): number;
  /** Every earlier version's data that is kept only in the archive. */
  archived(): Iterable<ArchivedValues>;
}

const NO_DATA: InstalledData = { records: () => [], membersHolding: () => 0, archived: () => [] };

/** Type changes that every value of the old type survives unchanged or as text. */
const WIDENINGS: Partial<Record<FieldType, readonly FieldType[]>> = {
  text: ['long_text'],
  email: ['text', 'long_text'],
  phone: ['text', 'long_text'],
  choice: ['text', 'long_text'],
  number: ['text', 'long_text'],
  money: ['number', 'text', 'long_text'],
  date: ['text', 'long_text'],
  datetime: ['text', 'long_text'],
  person: ['text', 'long_text'],
};

/**
 * The changes from the installed spec to a new one, each classified and explained in English
 * and Urdu with the number of records it touches. An exact comparison of two declarations —
 * nothing is inferred, so the same two specs and data always give the same answer.
 */
export function diffSpecs(old: AppSpec, next: AppSpec, data: InstalledData = NO_DATA): SpecChange[] {
  const changes: SpecChange[] = [];
  const sources = entitySources(old, next);
  const continued = new Set([...sources.values()].map((entity) => entity.name));
  for (const entity of old.entities) {
    if (continued.has(entity.name)) continue;
    const records = count(data.records(entity.name), () => true);
    changes.push({
      safety: 'confirm',
      kind: 'remove_entity',
      entity: entity.name,
      records,
      en: `confirm: remove entity "${entity.name}"; its ${records} record(s) are archived and can be restored`,
      ur: `تصدیق: "${entity.name}" ہٹایا جائے گا؛ اس کے ${records} ریکارڈ محفوظ شدہ نقل میں رکھے جائیں گے اور بحال ہو سکتے ہیں`,
    });
  }
  for (const entity of next.entities) {
    const source = sources.get(entity.name);
    if (!source) {
      changes.push({
        safety: 'safe',
        kind: 'add_entity',
        entity: entity.name,
        records: 0,
        en: `safe: add entity "${entity.name}"`,
        ur: `محفوظ: نیا حصہ "${entity.name}" شامل`,
      });
      continue;
    }
    const rows = [...data.records(source.name)];
    if (source.name !== entity.name) {
      changes.push({
        safety: 'confirm',
        kind: 'rename_entity',
        entity: entity.name,
        records: rows.length,
        en: `confirm: rename entity "${source.name}" to "${entity.name}"; its ${rows.length} record(s) move with it`,
        ur: `تصدیق: "${source.name}" کا نام "${entity.name}" ہو جائے گا؛ اس کے ${rows.length} ریکارڈ ساتھ منتقل ہوں گے`,
      });
    }
    changes.push(...fieldChanges(source, entity, rows, data !== NO_DATA));
    if (canonical(source.workflow) !== canonical(entity.workflow)) {
      changes.push({
        safety: 'safe',
        kind: 'change_workflow',
        entity: entity.name,
        records: 0,
        en: `safe: change the workflow of "${entity.name}" (records keep their status)`,
        ur: `محفوظ: "${entity.name}" کا طریقہ کار بدلے گا (ریکارڈ اپنی کیفیت برقرار رکھیں گے)`,
      });
    }
  }
  changes.push(...archiveConflicts(old, next, data));
  const nextRoles = new Set(next.roles.map((role) => role.name));
  for (const role of old.roles) {
    if (nextRoles.has(role.name)) continue;
    const members = data.membersHolding(role.name);
    changes.push({
      safety: 'confirm',
      kind: 'remove_role',
      role: role.name,
      records: 0,
      en: `confirm: remove role "${role.name}"; ${members} member(s) holding it lose what it allows (their grant is kept and returns with the role)`,
      ur: `تصدیق: کردار "${role.name}" ہٹایا جائے گا؛ اس کے ${members} حامل اس کی اجازتیں کھو دیں گے (واپسی پر بحال)`,
    });
  }
  const oldRoles = new Set(old.roles.map((role) => role.name));
  for (const role of next.roles) {
    if (!oldRoles.has(role.name)) {
      changes.push({
        safety: 'safe',
        kind: 'add_role',
        role: role.name,
        records: 0,
        en: `safe: add role "${role.name}"`,
        ur: `محفوظ: نیا کردار "${role.name}"`,
      });
    }
  }
  const sections = [
    ['permissions', 'change permissions', 'اجازتیں بدلیں گی'],
    ['views', 'change views', 'صفحات بدلیں گے'],
    ['notifications', 'change notifications', 'اطلاعات بدلیں گی'],
  ] as const;
  for (const [key, en, ur] of sections) {
    if (canonical(old[key] ?? []) !== canonical(next[key] ?? [])) {
      changes.push({ safety: 'safe', kind: `change_${key}`, records: 0, en: `safe: ${en}`, ur: `محفوظ: ${ur}` });
    }
  }
  if (canonical([old.name, old.description ?? null]) !== canonical([next.name, next.description ?? null])) {
    changes.push({
      safety: 'safe',
      kind: 'change_labels',
      records: 0,
      en: 'safe: change the app’s name or description',
      ur: 'محفوظ: ایپ کا نام یا تعارف بدلے گا',
    });
  }
  return changes;
}

/**
 * The new spec checked against every earlier version that still has data: a field that takes
 * the name of one an earlier upgrade archived, with a definition its archived values do not
 * fit, would never take them back — a restore could not put them there, and a reader of the
 * field would misread them if it did. The builder confirms this knowingly, or picks another name.
 */
function archiveConflicts(old: AppSpec, next: AppSpec, data: InstalledData): SpecChange[] {
  // A field the installed version already defines this way was checked when it was deployed.
  const unchanged = (entity: string, field: FieldSpec) => {
    const before = old.entities.find((e) => e.name === entity)?.fields.find((f) => f.name === field.name);
    return (
      before !== undefined &&
      before.type === field.type &&
      constraints(before) === constraints(field) &&
      canonical((before.choices ?? []).map((c) => c.value)) === canonical((field.choices ?? []).map((c) => c.value))
    );
  };
  const misfits = new Map<string, { entity: string; field: string; values: number; versions: Set<number> }>();
  for (const item of data.archived()) {
    const entity = next.entities.find((e) => e.name === item.entity);
    if (!entity) continue;
    for (const [name, value] of Object.entries(item.fields)) {
      const field = entity.fields.find((f) => f.name === name);
      if (!field || unchanged(entity.name, field) || valueProblem(field, value) === null) continue;
      const key = `${entity.name}\n${name}`;
      const misfit = misfits.get(key) ?? { entity: entity.name, field: name, values: 0, versions: new Set<number>() };
      misfit.values++;
      misfit.versions.add(item.removedIn);
      misfits.set(key, misfit);
    }
  }
  return [...misfits.values()].map(({ entity, field, values, versions }) => {
    const removed = [...versions].sort((a, b) => a - b).join(', ');
    return {
      safety: 'confirm' as const,
      kind: 'reuse_archived_name',
      entity,
      field,
      records: values,
      en: `confirm: field "${field}" of "${entity}" takes the name of a field archived by version ${removed}; ${values} archived value(s) do not fit its new definition, stay in the archive and are never read as this field`,
      ur: `تصدیق: "${entity}" کا خانہ "${field}" اس خانے کا نام لیتا ہے جو ورژن ${removed} میں محفوظ نقل میں گیا؛ ${values} محفوظ قدریں نئی تعریف میں نہیں آتیں، محفوظ نقل ہی میں رہیں گی اور اس خانے کے طور پر کبھی نہیں پڑھی جائیں گی`,
    };
  });
}

/** `known`: the data was given; without it a narrowed choice list may be in use, so it asks. */
function fieldChanges(old: EntitySpec, next: EntitySpec, rows: Fields[], known: boolean): SpecChange[] {
  const changes: SpecChange[] = [];
  const sources = fieldSources(old, next);
  const continued = new Set([...sources.values()].map((field) => field.name));
  const where = `"${next.name}"`;
  for (const field of old.fields) {
    if (continued.has(field.name)) continue;
    const records = count(rows, (row) => row[field.name] !== undefined);
    changes.push({
      safety: 'confirm',
      kind: 'remove_field',
      entity: next.name,
      field: field.name,
      records,
      en: `confirm: remove field "${field.name}" of ${where}; the values of ${records} record(s) are archived and can be restored`,
      ur: `تصدیق: ${where} کا خانہ "${field.name}" ہٹایا جائے گا؛ ${records} ریکارڈ کی قدریں محفوظ نقل میں رکھی جائیں گی`,
    });
  }
  for (const field of next.fields) {
    const source = sources.get(field.name);
    if (!source) {
      const required = field.required === true && field.default === undefined;
      const records = required ? rows.length : 0;
      changes.push({
        safety: required ? 'confirm' : 'safe',
        kind: 'add_field',
        entity: next.name,
        field: field.name,
        records,
        en: required
          ? `confirm: add required field "${field.name}" to ${where} without a default; ${records} record(s) lack it until they are next edited`
          : `safe: add field "${field.name}" to ${where}`,
        ur: required
          ? `تصدیق: ${where} میں لازمی خانہ "${field.name}" بغیر طے شدہ قدر کے؛ ${records} ریکارڈ میں یہ اگلی ترمیم تک خالی رہے گا`
          : `محفوظ: ${where} میں نیا خانہ "${field.name}"`,
      });
      continue;
    }
    const withValue = rows.filter((row) => row[source.name] !== undefined);
    if (source.name !== field.name) {
      changes.push({
        safety: 'confirm',
        kind: 'rename_field',
        entity: next.name,
        field: field.name,
        records: withValue.length,
        en: `confirm: rename field "${source.name}" of ${where} to "${field.name}"; the values of ${withValue.length} record(s) move with it`,
        ur: `تصدیق: ${where} کے خانے "${source.name}" کا نام "${field.name}" ہو گا؛ ${withValue.length} ریکارڈ کی قدریں ساتھ منتقل ہوں گی`,
      });
    }
    const lost = count(withValue, (row) => convertValue(row[source.name] as never, field) === undefined);
    const converted = count(withValue, (row) => {
      const value = convertValue(row[source.name] as never, field);
      return value !== undefined && value !== row[source.name];
    });
    if (source.type !== field.type) {
      const widenings: readonly string[] = WIDENINGS[source.type as FieldType] ?? [];
      const widening = widenings.includes(field.type);
      changes.push({
        safety: widening ? 'safe' : 'confirm',
        kind: widening ? 'widen_type' : 'narrow_type',
        entity: next.name,
        field: field.name,
        records: converted + lost,
        en: widening
          ? `safe: field "${field.name}" of ${where} becomes ${field.type} (was ${source.type}); ${converted} value(s) converted`
          : `confirm: field "${field.name}" of ${where} becomes ${field.type} (was ${source.type}); ${converted} value(s) converted, ${lost} that do not fit are archived`,
        ur: widening
          ? `محفوظ: ${where} کا خانہ "${field.name}" اب ${field.type} ہو گا (پہلے ${source.type})؛ ${converted} قدریں تبدیل`
          : `تصدیق: ${where} کا خانہ "${field.name}" اب ${field.type} ہو گا (پہلے ${source.type})؛ ${converted} قدریں تبدیل، ${lost} جو موزوں نہیں محفوظ نقل میں`,
      });
      continue;
    }
    const removedChoices = (source.choices ?? [])
      .filter((c) => !(field.choices ?? []).some((n) => n.value === c.value))
      .map((c) => c.value);
    const addedChoices = (field.choices ?? []).filter((c) => !(source.choices ?? []).some((o) => o.value === c.value)).map((c) => c.value);
    if (removedChoices.length > 0) {
      const using = count(withValue, (row) => removedChoices.includes(String(row[source.name])));
      changes.push({
        safety: using > 0 || !known ? 'confirm' : 'safe',
        kind: 'narrow_choices',
        entity: next.name,
        field: field.name,
        records: using,
        en: `${using > 0 || !known ? 'confirm' : 'safe'}: field "${field.name}" of ${where} drops the choice(s) ${removedChoices.join(', ')}; ${using} record(s) use them and their value is archived`,
        ur: `${using > 0 || !known ? 'تصدیق' : 'محفوظ'}: ${where} کے خانے "${field.name}" سے انتخاب ${removedChoices.join('، ')} ہٹیں گے؛ ${using} ریکارڈ انہیں استعمال کرتے ہیں، ان کی قدر محفوظ نقل میں`,
      });
    }
    if (addedChoices.length > 0) {
      changes.push({
        safety: 'safe',
        kind: 'widen_choices',
        entity: next.name,
        field: field.name,
        records: 0,
        en: `safe: field "${field.name}" of ${where} gains the choice(s) ${addedChoices.join(', ')}`,
        ur: `محفوظ: ${where} کے خانے "${field.name}" میں نئے انتخاب ${addedChoices.join('، ')}`,
      });
    }
    if (field.required === true && source.required !== true && field.default === undefined) {
      const missing = count(rows, (row) => row[source.name] === undefined);
      changes.push({
        safety: 'confirm',
        kind: 'require_field',
        entity: next.name,
        field: field.name,
        records: missing,
        en: `confirm: field "${field.name}" of ${where} becomes required without a default; ${missing} record(s) lack it until they are next edited`,
        ur: `تصدیق: ${where} کا خانہ "${field.name}" لازمی ہو گا بغیر طے شدہ قدر کے؛ ${missing} ریکارڈ میں یہ اگلی ترمیم تک خالی`,
      });
    }
    if (constraints(source) !== constraints(field) && removedChoices.length === 0) {
      changes.push({
        safety: lost > 0 || tightens(source, field) ? 'confirm' : 'safe',
        kind: 'change_constraints',
        entity: next.name,
        field: field.name,
        records: lost,
        en: `${lost > 0 || tightens(source, field) ? 'confirm' : 'safe'}: field "${field.name}" of ${where} changes its limits; ${lost} value(s) outside them are archived`,
        ur: `${lost > 0 || tightens(source, field) ? 'تصدیق' : 'محفوظ'}: ${where} کے خانے "${field.name}" کی حدیں بدلیں گی؛ ${lost} قدریں جو حد سے باہر ہیں محفوظ نقل میں`,
      });
    } else if (canonical(labelsOf(source)) !== canonical(labelsOf(field))) {
      changes.push({
        safety: 'safe',
        kind: 'change_field_labels',
        entity: next.name,
        field: field.name,
        records: 0,
        en: `safe: field "${field.name}" of ${where} changes its labels, choices' labels or default`,
        ur: `محفوظ: ${where} کے خانے "${field.name}" کے عنوان یا طے شدہ قدر بدلے گی`,
      });
    }
  }
  return changes;
}

function constraints(field: FieldSpec): string {
  return canonical([field.min ?? null, field.max ?? null, field.unique ?? false, field.entity ?? null]);
}

function tightens(old: FieldSpec, next: FieldSpec): boolean {
  const raisedMin = next.min !== undefined && (old.min === undefined || next.min > old.min);
  const loweredMax = next.max !== undefined && (old.max === undefined || next.max < old.max);
  return raisedMin || loweredMax || (next.unique === true && old.unique !== true) || next.entity !== old.entity;
}

function labelsOf(field: FieldSpec): unknown {
  return [field.label, field.default ?? null, field.required ?? false, (field.choices ?? []).map((c) => c.label)];
}

function count<T>(items: Iterable<T>, test: (item: T) => boolean): number {
  let n = 0;
  for (const item of items) if (test(item)) n++;
  return n;
}

function canonical(value: unknown): string {
  return stableJson(value ?? null);
}

/** Whether applying these changes needs the builder's confirmation. */
export function needsConfirmation(changes: readonly SpecChange[]): boolean {
  return changes.some((change) => change.safety === 'confirm');
}
