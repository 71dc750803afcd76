import {
  ACTIONS,
  type AppSpec,
  CREATOR_ROLE,
  type EntitySpec,
  FIELD_TYPES,
  type FieldSpec,
  type NotificationSpec,
  OWNER_ROLE,
  type RoleSpec,
  type WorkflowSpec,
} from '../../../builder/index.ts';
import { html, type Language, type SafeHtml } from '../../shell/index.ts';
import { explainSpec } from '../explain.ts';
import { type BuilderText, builderText } from '../messages.ts';
import {
  checkbox,
  checkboxGroup,
  gridSelect,
  group,
  hidden,
  type Option,
  selectControl,
  textareaControl,
  textControl,
} from './controls.ts';
import { formNames as n } from './names.ts';
import { recipientToken } from './read.ts';

type TransitionSpec = WorkflowSpec['transitions'][number];

/**
 * The spec as a form a person edits: labels in English and Urdu, fields with type and
 * whether they are required, roles, who can do what (role × record kind × action), steps and
 * messages; a blank row in each list adds an item. It posts to `action` with the spec it was
 * made from in `draft`, and `specFromForm` reads it back.
 */
export function specForm(spec: AppSpec, lang: Language, action: string): SafeHtml {
  const t = builderText(lang);
  return html`<form method="post" action="${action}" class="spec-form">
${hidden('draft', JSON.stringify(spec))}
${group(
  t.general,
  html`${textControl(n.slug, t.slug, spec.slug, 'en', true)}
${textControl(n.name('en'), `${t.appName} (${t.english})`, spec.name.en, 'en', true)}
${textControl(n.name('ur'), `${t.appName} (${t.urdu})`, spec.name.ur, 'ur', true)}
${textControl(n.description('en'), `${t.appDescription} (${t.english})`, spec.description?.en ?? '', 'en')}
${textControl(n.description('ur'), `${t.appDescription} (${t.urdu})`, spec.description?.ur ?? '', 'ur')}`,
)}
${group(t.roles, html`${spec.roles.map((role, i) => roleRow(t, role, i))}${roleRow(t, undefined, spec.roles.length)}`)}
${group(
  t.entities,
  html`${spec.entities.map((entity, e) => entityRows(spec, t, lang, entity, e))}${entityRows(spec, t, lang, undefined, spec.entities.length)}`,
)}
${permissionsGrid(spec, t, lang)}
${group(
  t.notifications,
  html`${(spec.notifications ?? []).map((notification, i) => notificationRow(spec, t, lang, notification, i))}${notificationRow(
    spec,
    t,
    lang,
    undefined,
    spec.notifications?.length ?? 0,
  )}`,
)}
<div class="actions"><button type="submit">${t.apply}</button></div>
</form>`;
}

function labelPair(t: BuilderText, name: (lang: 'en' | 'ur') => string, label: string, value?: { en: string; ur: string }): SafeHtml {
  return html`<div class="filters">${textControl(name('en'), `${label} (${t.english})`, value?.en ?? '', 'en')}${textControl(
    name('ur'),
    `${label} (${t.urdu})`,
    value?.ur ?? '',
    'ur',
  )}</div>`;
}

function roleRow(t: BuilderText, role: RoleSpec | undefined, i: number): SafeHtml {
  const holders: Option[] = ['assigned', 'everyone', 'verified'].map((value) => ({ value, label: t.holderNames[value] ?? value }));
  return group(
    role ? `${t.role}: ${role.label.en} / ${role.label.ur}` : t.newRole,
    html`${hidden(n.role(i, 'was'), role?.name ?? '')}
${labelPair(t, (l) => n.role(i, l), t.role, role?.label)}
<div class="filters">${selectControl(n.role(i, 'holders'), t.holders, holders, role?.holders ?? 'assigned')}
${role ? checkbox(n.role(i, 'remove'), t.remove, false) : ''}</div>`,
  );
}

function entityRows(spec: AppSpec, t: BuilderText, lang: Language, entity: EntitySpec | undefined, e: number): SafeHtml {
  const fields = entity?.fields ?? [];
  return group(
    entity ? `${t.entity}: ${entity.label[lang]}` : t.newEntity,
    html`${hidden(n.entity(e, 'was'), entity?.name ?? '')}
${labelPair(t, (l) => n.entity(e, l), t.entity, entity?.label)}
${entity ? checkbox(n.entity(e, 'remove'), t.remove, false) : ''}
${fields.map((field, f) => fieldRow(spec, t, lang, e, field, f))}
${fieldRow(spec, t, lang, e, undefined, fields.length)}
${entity ? workflowRows(spec, t, lang, entity, e) : ''}`,
  );
}

function fieldRow(spec: AppSpec, t: BuilderText, lang: Language, e: number, field: FieldSpec | undefined, f: number): SafeHtml {
  const types: Option[] = FIELD_TYPES.map((value) => ({ value, label: t.typeNames[value] ?? value }));
  const targets: Option[] = [
    { value: '', label: t.nothing },
    ...spec.entities.map((entity) => ({ value: entity.name, label: entity.label[lang] })),
  ];
  const choices = (field?.choices ?? []).map((choice) => `${choice.value} | ${choice.label.en} | ${choice.label.ur}`).join('\n');
  return group(
    field ? `${t.field}: ${field.label[lang]}` : t.newField,
    html`${hidden(n.field(e, f, 'was'), field?.name ?? '')}
${labelPair(t, (l) => n.field(e, f, l), t.field, field?.label)}
<div class="filters">${selectControl(n.field(e, f, 'type'), t.type, types, field?.type ?? 'text')}
${checkbox(n.field(e, f, 'required'), t.required, field?.required === true)}
${field ? checkbox(n.field(e, f, 'remove'), t.remove, false) : ''}</div>
${!field || field.type === 'choice' ? textareaControl(n.field(e, f, 'choices'), t.choices, choices) : ''}
${!field || field.type === 'reference' ? selectControl(n.field(e, f, 'target'), t.target, targets, field?.entity ?? '') : ''}`,
    'group field-row',
  );
}

function workflowRows(spec: AppSpec, t: BuilderText, lang: Language, entity: EntitySpec, e: number): SafeHtml {
  const choiceFields = entity.fields.filter((field) => field.type === 'choice');
  if (choiceFields.length === 0) return html``;
  const workflow = entity.workflow;
  const status = entity.fields.find((field) => field.name === workflow?.field) ?? choiceFields[0];
  const states: Option[] = (status?.choices ?? []).map((choice) => ({ value: choice.value, label: choice.label[lang] }));
  const fieldOptions: Option[] = [
    { value: '', label: t.noWorkflow },
    ...choiceFields.map((field) => ({ value: field.name, label: field.label[lang] })),
  ];
  const transitions = workflow?.transitions ?? [];
  return group(
    `${t.workflow}: ${entity.label[lang]}`,
    html`<div class="filters">${selectControl(n.workflow(e, 'field'), t.workflowField, fieldOptions, workflow?.field ?? '')}
${selectControl(n.workflow(e, 'initial'), t.initial, states, workflow?.initial ?? states[0]?.value ?? '')}</div>
${transitions.map((transition, i) => transitionRow(spec, t, lang, e, states, transition, i))}
${transitionRow(spec, t, lang, e, states, undefined, transitions.length)}`,
  );
}

function roleOptions(spec: AppSpec, t: BuilderText, lang: Language): Option[] {
  return [
    ...spec.roles.map((role) => ({ value: role.name, label: role.label[lang] })),
    { value: OWNER_ROLE, label: t.owner },
    { value: CREATOR_ROLE, label: t.creator },
  ];
}

function transitionRow(
  spec: AppSpec,
  t: BuilderText,
  lang: Language,
  e: number,
  states: Option[],
  transition: TransitionSpec | undefined,
  i: number,
): SafeHtml {
  return group(
    transition ? `${t.step}: ${transition.label[lang]}` : t.newStep,
    html`${hidden(n.transition(e, i, 'was'), transition?.name ?? '')}
${labelPair(t, (l) => n.transition(e, i, l), t.step, transition?.label)}
${checkboxGroup(n.transition(e, i, 'from'), t.from, states, new Set(transition?.from ?? []))}
${selectControl(n.transition(e, i, 'to'), t.to, states, transition?.to ?? '')}
${checkboxGroup(n.transition(e, i, 'roles'), t.takenBy, roleOptions(spec, t, lang), new Set(transition?.roles ?? []))}
${transition ? checkbox(n.transition(e, i, 'remove'), t.remove, false) : ''}`,
  );
}

/** Role × record kind rows, one select per action: nothing, the person's own records, or all. */
function permissionsGrid(spec: AppSpec, t: BuilderText, lang: Language): SafeHtml {
  const scopes: Option[] = [
    { value: '', label: t.nothing },
    { value: 'own', label: t.own },
    { value: 'all', label: t.all },
  ];
  const plain = spec.permissions.filter((permission) => permission.when === undefined);
  // The widest grant wins when two permissions give the same action (both are shown as one select).
  const scopeOf = (role: string, entity: string, action: string) => {
    const grants = plain.filter((p) => p.role === role && p.entity === entity && (p.actions as string[]).includes(action));
    if (grants.length === 0) return '';
    return grants.some((p) => p.scope === 'all') ? 'all' : 'own';
  };
  const rows: { row: number | 'owner'; name: string; label: string }[] = [
    ...spec.roles.map((role, row) => ({ row, name: role.name, label: role.label[lang] })),
    { row: 'owner', name: OWNER_ROLE, label: t.owner },
  ];
  const conditional = spec.permissions.filter((permission) => permission.when !== undefined);
  const sentences =
    explainSpec({ ...spec, permissions: conditional }, lang).sections.find((s) => s.kind === 'permissions')?.sentences ?? [];
  // A section, not a fieldset: a fieldset is never narrower than its table, so the table could not scroll on a phone.
  return html`<section aria-labelledby="permissions-heading"><h3 id="permissions-heading">${t.permissions}</h3>
<div class="table-scroll" tabindex="0"><table>
<thead><tr><th scope="col">${t.role}</th><th scope="col">${t.entity}</th>${ACTIONS.map(
    (action) => html`<th scope="col">${t.actionNames[action]}</th>`,
  )}</tr></thead>
<tbody>${rows.flatMap((role) =>
    spec.entities.map(
      (entity, e) =>
        html`<tr><th scope="row">${role.label}</th><td>${entity.label[lang]}</td>${ACTIONS.map(
          (action) =>
            html`<td>${gridSelect(
              n.grant(role.row, e, action),
              `${role.label} — ${entity.label[lang]} — ${t.actionNames[action]}`,
              scopes,
              scopeOf(role.name, entity.name, action),
            )}</td>`,
        )}</tr>`,
    ),
  )}</tbody>
</table></div>
${
  conditional.length > 0
    ? html`<h4>${t.conditional}</h4><ul>${conditional.map(
        (_permission, i) => html`<li>${sentences[i] ?? ''} ${checkbox(n.conditionalRemove(i), t.remove, false)}</li>`,
      )}</ul>`
    : ''
}</section>`;
}

function notificationRow(spec: AppSpec, t: BuilderText, lang: Language, notification: NotificationSpec | undefined, i: number): SafeHtml {
  const entities: Option[] = spec.entities.map((entity) => ({ value: entity.name, label: entity.label[lang] }));
  const entity = spec.entities.find((candidate) => candidate.name === notification?.entity) ?? spec.entities[0];
  const events: Option[] = [
    { value: 'create', label: t.onCreate },
    ...spec.entities.flatMap((candidate) =>
      (candidate.workflow?.transitions ?? []).map((transition) => ({
        value: `transition:${transition.name}`,
        label: `${candidate.label[lang]}: ${t.onStep(transition.label[lang])}`,
      })),
    ),
  ];
  const recipients: Option[] = [
    ...spec.roles.map((role) => ({ value: `role:${role.name}`, label: role.label[lang] })),
    { value: `role:${OWNER_ROLE}`, label: t.owner },
    { value: 'creator', label: t.creator },
    ...(entity?.fields ?? [])
      .filter((field) => field.type === 'person')
      .map((field) => ({ value: `field:${field.name}`, label: t.personIn(field.label[lang]) })),
    ...(notification?.to ?? []).filter((r) => r.room).map((r) => ({ value: `room:${r.room}`, label: t.room(r.room ?? '') })),
  ];
  return group(
    notification ? `${t.notification}: ${notification.message[lang]}` : t.newNotification,
    html`${hidden(n.notification(i, 'was'), notification ? String(i) : '')}
<div class="filters">${selectControl(n.notification(i, 'entity'), t.entity, entities, notification?.entity ?? entity?.name ?? '')}
${selectControl(n.notification(i, 'on'), t.when, events, notification?.on ?? 'create')}</div>
${checkboxGroup(n.notification(i, 'to'), t.recipients, recipients, new Set((notification?.to ?? []).map(recipientToken)))}
${labelPair(t, (l) => n.notification(i, l), t.notification, notification?.message)}
${notification ? checkbox(n.notification(i, 'remove'), t.remove, false) : ''}`,
  );
}
