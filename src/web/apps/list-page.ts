/**
 * A list of an entity's records: the list view's columns, its filters and search, a sort
 * order, and pages walked with the API's `after` cursor. Every choice is a plain GET form,
 * so the address of a list is the list.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppRecord, EntitySpec, FieldSpec, ScalarValue, ViewSpec } from '../../builder/index.ts';
import {
  alertBox,
  apiErrorText,
  callApi,
  formatNumber,
  html,
  type Language,
  labelIn,
  languageOf,
  noticeBox,
  page,
  type SafeHtml,
  type Session,
  sendPage,
} from '../shell/index.ts';
import { appPath, columnsOf, isIndexed, type LoadedApp, likelyRolesOf, listViewOf, mayTry } from './app-spec.ts';
import { displayValue, parseInput } from './field-values.ts';
import { appText } from './messages.ts';

/** Records on one page of a list. */
export const PAGE_SIZE = 25;

type Query = Record<string, string | undefined>;
type Filter = ScalarValue | { min?: ScalarValue; max?: ScalarValue };

const RANGED = new Set(['number', 'money', 'date', 'datetime']);

/** The API's filters from the list's query string; what does not parse is left out. */
function filtersOf(view: ViewSpec | undefined, entity: EntitySpec, query: Query): Record<string, Filter> {
  const filters: Record<string, Filter> = {};
  for (const field of filterFields(view, entity)) {
    const parsed = (text: string | undefined) => {
      const result = parseInput(field, text ?? '');
      return 'value' in result && result.value !== null ? result.value : undefined;
    };
    if (RANGED.has(field.type)) {
      const min = parsed(query[`${field.name}.min`]);
      const max = parsed(query[`${field.name}.max`]);
      if (min !== undefined || max !== undefined)
        filters[field.name] = { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
    } else {
      const value = parsed(query[field.name]);
      if (value !== undefined) filters[field.name] = value;
    }
  }
  return filters;
}

function filterFields(view: ViewSpec | undefined, entity: EntitySpec): FieldSpec[] {
  return (view?.filters ?? []).flatMap((name) => entity.fields.filter((field) => field.name === name && isIndexed(field)));
}

function filterControl(lang: Language, field: FieldSpec, query: Query): SafeHtml {
  const t = appText(lang);
  const label = labelIn(field.label, lang);
  const id = `filter-${field.name}`;
  const select = (options: [string, string][]) => {
    const current = query[field.name] ?? '';
    return html`<div class="field"><label for="${id}">${label}</label><select id="${id}" name="${field.name}">${options.map(
      ([value, text]) => html`<option value="${value}"${value === current ? html` selected` : ''}>${text}</option>`,
    )}</select></div>`;
  };
  if (field.type === 'choice')
    return select([['', t.any], ...(field.choices ?? []).map((c): [string, string] => [c.value, labelIn(c.label, lang)])]);
  if (field.type === 'yes_no')
    return select([
      ['', t.any],
      ['yes', t.yes],
      ['no', t.no],
    ]);
  if (RANGED.has(field.type)) {
    const type = field.type === 'date' ? 'date' : field.type === 'datetime' ? 'datetime-local' : 'text';
    const mode = type === 'text' ? html` inputmode="numeric"` : '';
    return html`<fieldset class="field"><legend>${label}</legend>
<label for="${id}-min">${t.from}</label><input type="${type}"${mode} id="${id}-min" name="${field.name}.min" value="${query[`${field.name}.min`] ?? ''}">
<label for="${id}-max">${t.to}</label><input type="${type}"${mode} id="${id}-max" name="${field.name}.max" value="${query[`${field.name}.max`] ?? ''}">
</fieldset>`;
  }
  return html`<div class="field"><label for="${id}">${label}</label><input type="text" id="${id}" name="${field.name}" value="${query[field.name] ?? ''}"></div>`;
}

/** This list's address with some parameters changed (undefined removes one). */
function listLink(path: string, query: Query, changes: Query): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries({ ...query, ...changes })) if (value !== undefined && value !== '') params.set(name, value);
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

export async function listPage(
  request: FastifyRequest,
  reply: FastifyReply,
  session: Session,
  app: LoadedApp,
  entity: EntitySpec,
): Promise<FastifyReply> {
  const lang = languageOf(request);
  const t = appText(lang);
  const query = Object.fromEntries(
    Object.entries(request.query as Record<string, unknown>).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
  const view = listViewOf(app.spec, entity.name, query.view);
  const columns = columnsOf(entity, view);
  const sortable = columns.filter(isIndexed);
  const sort = sortable.find((field) => field.name === query.sort)?.name ?? view?.sort?.field;
  const order = query.order === 'asc' || query.order === 'desc' ? query.order : (view?.sort?.direction ?? 'asc');
  const filters = filtersOf(view, entity, query);
  const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (Object.keys(filters).length > 0) params.set('filters', JSON.stringify(filters));
  if (sort) params.set('sort', sort);
  if (sort) params.set('order', order);
  if (query.q && view?.search?.length) params.set('search', query.q);
  if (query.after) params.set('after', query.after);
  const path = appPath(app.slug, entity.name);
  const [answer, roles] = await Promise.all([
    callApi<{ records?: AppRecord[]; next?: string | null }>(
      request,
      'GET',
      `/_watan/v1/apps/${app.slug}/records/${entity.name}?${params}`,
    ),
    likelyRolesOf(request, session, app),
  ]);
  const title = labelIn(view?.label ?? entity.label, lang);
  const yesNo = { yes: t.yes, no: t.no };
  const records = answer.status === 200 ? (answer.body.records ?? []) : [];
  const next = answer.status === 200 ? answer.body.next : null;
  const number = (id: string) => (lang === 'ur' ? formatNumber(lang, Number(id)) : id);
  // On a phone the filters would push the list below the fold: they stay folded until used.
  const narrowed = Object.keys(filters).length > 0 || query.sort !== undefined;
  const filterForm =
    filterFields(view, entity).length > 0 || view?.search?.length || sortable.length > 0
      ? html`<form class="filters" method="get" action="${path}" role="search" aria-label="${t.filter}">
${view && query.view ? html`<input type="hidden" name="view" value="${view.name}">` : ''}
${view?.search?.length ? html`<div class="field"><label for="q">${t.search}</label><input type="search" id="q" name="q" value="${query.q ?? ''}"></div>` : ''}
<details class="refine"${narrowed ? html` open` : ''}><summary>${t.filterAndSort}</summary><div class="filters">
${filterFields(view, entity).map((field) => filterControl(lang, field, query))}
${
  sortable.length > 0
    ? html`<div class="field"><label for="sort">${t.sortBy}</label><select id="sort" name="sort"><option value="">—</option>${sortable.map(
        (field) => html`<option value="${field.name}"${field.name === sort ? html` selected` : ''}>${labelIn(field.label, lang)}</option>`,
      )}</select></div>
<div class="field"><label for="order">${t.order}</label><select id="order" name="order"><option value="asc"${order === 'asc' ? html` selected` : ''}>${t.ascending}</option><option value="desc"${order === 'desc' ? html` selected` : ''}>${t.descending}</option></select></div>`
    : ''
}
</div></details>
<div><button type="submit">${t.apply}</button> <a href="${path}${query.view ? `?view=${encodeURIComponent(query.view)}` : ''}">${t.clear}</a></div>
</form>`
      : '';
  const table =
    records.length === 0
      ? html`<p>${t.noRecords}</p>`
      : html`<div class="table-scroll"><table>
<caption>${title}</caption>
<thead><tr><th scope="col">${t.numberColumn}</th>${columns.map((field) => html`<th scope="col">${labelIn(field.label, lang)}</th>`)}</tr></thead>
<tbody>
${records.map(
  (record) =>
    html`<tr><th scope="row"><a href="${appPath(app.slug, entity.name, record.id)}">${number(record.id)}</a></th>${columns.map(
      (field) => html`<td><bdi>${displayValue(lang, field, record.fields[field.name], yesNo)}</bdi></td>`,
    )}</tr>\n`,
)}
</tbody>
</table></div>`;
  const pager = html`<nav class="pager" aria-label="${t.pages}">
${query.after ? html`<a href="${listLink(path, query, { after: undefined })}">${t.firstPage}</a>` : html`<span></span>`}
${next ? html`<a href="${listLink(path, query, { after: next })}" rel="next">${t.nextPage}</a>` : ''}
</nav>`;
  const main = html`<p><a href="${appPath(app.slug)}">${labelIn(app.spec.name, lang)}</a></p>
<h1>${title}</h1>
${answer.status === 200 ? '' : alertBox(apiErrorText(lang, answer.body))}
${noticeBox(query.done === 'deleted' ? t.deleted : undefined)}
${mayTry(app.spec, roles, entity.name, 'create') ? html`<p><a class="button" href="${appPath(app.slug, entity.name, 'new')}">${t.create(labelIn(entity.label, lang))}</a></p>` : ''}
${filterForm}
${table}
${pager}`;
  return sendPage(reply, page({ request, lang, title, main, session }), answer.status === 200 ? 200 : answer.status);
}
