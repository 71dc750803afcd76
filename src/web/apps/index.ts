/**
 * Generated app pages at /apps/{slug}: every app the builder runs gets a front page, lists,
 * forms, record pages and workflow steps from its spec alone, in English and Urdu. Each page
 * is a client of the builder's API as the signed-in person; anonymous visitors are sent to
 * sign in first.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { EntitySpec } from '../../builder/index.ts';
import {
  apiErrorText,
  callApi,
  callApiForFile,
  formOf,
  labelIn,
  languageOf,
  messagePage,
  requireSession,
  type Session,
  shellText,
} from '../shell/index.ts';
import { appPath, entityOf, isLoaded, type LoadedApp, loadApp, refusalPage } from './app-spec.ts';
import { detailPage } from './detail-page.ts';
import { appHomePage, appsIndexPage } from './home-pages.ts';
import { listPage } from './list-page.ts';
import { appText } from './messages.ts';
import { readRecord, recordFormPage, submitRecordForm, valuesOfRecord } from './record-form.ts';

const SLUG = /^[a-z][a-z0-9-]{1,39}$/;
const NAME = /^[a-z][a-z0-9_]{0,39}$/;
const RECORD_ID = /^[1-9][0-9]{0,15}$/;

interface Opened {
  session: Session;
  app: LoadedApp;
  entity: EntitySpec;
}

type Params = Record<string, string | undefined>;

async function notFound(request: FastifyRequest, reply: FastifyReply): Promise<undefined> {
  const t = shellText(languageOf(request));
  await messagePage(request, reply, 404, t.notFoundTitle, t.errors.NOT_FOUND ?? t.notFoundTitle);
  return undefined;
}

/** The person, app and entity a page is about, or undefined once the reply is sent (sign-in, refusal, not found). */
async function open(request: FastifyRequest, reply: FastifyReply): Promise<Opened | undefined> {
  const params = request.params as Params;
  if (!SLUG.test(params.slug ?? '') || !NAME.test(params.entity ?? '') || (params.id !== undefined && !RECORD_ID.test(params.id)))
    return notFound(request, reply);
  const session = await requireSession(request, reply);
  if (!session) return undefined;
  const app = await loadApp(request, params.slug ?? '');
  if (!isLoaded(app)) {
    await refusalPage(request, reply, app);
    return undefined;
  }
  const entity = entityOf(app.spec, params.entity ?? '');
  if (!entity) return notFound(request, reply);
  return { session, app, entity };
}

/** What a redirect after a change asks the record page to say. */
function noticeOf(request: FastifyRequest, stateLabel: string): string | undefined {
  const t = appText(languageOf(request));
  const done = (request.query as Params).done;
  if (done === 'created') return t.created;
  if (done === 'updated') return t.updated;
  if (done === 'moved') return t.moved(stateLabel);
  return undefined;
}

function stateLabelOf(request: FastifyRequest, entity: EntitySpec, fields: Record<string, unknown>): string {
  const workflow = entity.workflow;
  const field = workflow ? entity.fields.find((f) => f.name === workflow.field) : undefined;
  const value = workflow ? fields[workflow.field] : undefined;
  return labelIn(field?.choices?.find((choice) => choice.value === value)?.label, languageOf(request)) || String(value ?? '');
}

export function registerAppPages(scope: FastifyInstance): void {
  scope.get('/apps', async (request, reply) => {
    const session = await requireSession(request, reply);
    return session ? appsIndexPage(request, reply, session) : reply;
  });

  scope.get('/apps/:slug', async (request, reply) => {
    const slug = (request.params as Params).slug ?? '';
    if (!SLUG.test(slug)) return (await notFound(request, reply)) ?? reply;
    const session = await requireSession(request, reply);
    return session ? appHomePage(request, reply, session, slug) : reply;
  });

  scope.get('/apps/:slug/:entity', async (request, reply) => {
    const opened = await open(request, reply);
    return opened ? listPage(request, reply, opened.session, opened.app, opened.entity) : reply;
  });

  scope.get('/apps/:slug/:entity/new', async (request, reply) => {
    const opened = await open(request, reply);
    if (!opened) return reply;
    const values = valuesOfRecord(opened.entity, undefined);
    for (const field of opened.entity.fields) if (field.default !== undefined) values[field.name] = String(field.default);
    return recordFormPage(request, reply, opened.session, opened.app, opened.entity, { values, errors: {} });
  });

  scope.post('/apps/:slug/:entity/new', async (request, reply) => {
    const opened = await open(request, reply);
    if (!opened) return reply;
    return submitRecordForm(request, reply, opened.session, opened.app, opened.entity, formOf(request.body), undefined);
  });

  scope.get('/apps/:slug/:entity/:id', async (request, reply) => {
    const opened = await open(request, reply);
    if (!opened) return reply;
    const record = await readRecord(request, reply, opened.app, opened.entity, (request.params as Params).id ?? '');
    if (!record) return reply;
    const notice = noticeOf(request, stateLabelOf(request, opened.entity, record.fields));
    return detailPage(request, reply, opened.session, opened.app, opened.entity, record, { notice });
  });

  scope.get('/apps/:slug/:entity/:id/edit', async (request, reply) => {
    const opened = await open(request, reply);
    if (!opened) return reply;
    const record = await readRecord(request, reply, opened.app, opened.entity, (request.params as Params).id ?? '');
    if (!record) return reply;
    const values = valuesOfRecord(opened.entity, record);
    return recordFormPage(request, reply, opened.session, opened.app, opened.entity, { values, errors: {}, record });
  });

  scope.post('/apps/:slug/:entity/:id/edit', async (request, reply) => {
    const opened = await open(request, reply);
    if (!opened) return reply;
    const record = await readRecord(request, reply, opened.app, opened.entity, (request.params as Params).id ?? '');
    if (!record) return reply;
    return submitRecordForm(request, reply, opened.session, opened.app, opened.entity, formOf(request.body), record);
  });

  scope.post('/apps/:slug/:entity/:id/steps/:step', async (request, reply) => {
    const opened = await open(request, reply);
    if (!opened) return reply;
    const { id = '', step = '' } = request.params as Params;
    if (!NAME.test(step)) return (await notFound(request, reply)) ?? reply;
    const { app, entity } = opened;
    const answer = await callApi(request, 'POST', `/_watan/v1/apps/${app.slug}/records/${entity.name}/${id}/transitions/${step}`, {});
    if (answer.status === 200) return reply.redirect(`${appPath(app.slug, entity.name, id)}?done=moved`, 303);
    const record = await readRecord(request, reply, app, entity, id);
    if (!record) return reply;
    const error = apiErrorText(languageOf(request), answer.body);
    return detailPage(request, reply, opened.session, app, entity, record, { error }, answer.status);
  });

  scope.post('/apps/:slug/:entity/:id/delete', async (request, reply) => {
    const opened = await open(request, reply);
    if (!opened) return reply;
    const { id = '' } = request.params as Params;
    const { app, entity } = opened;
    const answer = await callApi(request, 'DELETE', `/_watan/v1/apps/${app.slug}/records/${entity.name}/${id}`);
    if (answer.status === 200) return reply.redirect(`${appPath(app.slug, entity.name)}?done=deleted`, 303);
    const record = await readRecord(request, reply, app, entity, id);
    if (!record) return reply;
    const error = apiErrorText(languageOf(request), answer.body);
    return detailPage(request, reply, opened.session, app, entity, record, { error }, answer.status);
  });

  // Files pass through the web so the session cookie (never the token) is what the browser sends.
  scope.get('/apps/:slug/:entity/:id/files/:field', async (request, reply) => {
    const opened = await open(request, reply);
    if (!opened) return reply;
    const { id = '', field = '' } = request.params as Params;
    if (!NAME.test(field)) return (await notFound(request, reply)) ?? reply;
    const file = await callApiForFile(request, `/_watan/v1/apps/${opened.app.slug}/records/${opened.entity.name}/${id}/files/${field}`);
    if (file.status !== 200) return refusalPage(request, reply, { status: file.status, body: file.body });
    return reply
      .header('content-type', 'application/octet-stream')
      .header('content-disposition', `attachment; filename="${opened.entity.name}-${id}-${field}"`)
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'no-store')
      .send(file.bytes);
  });
}
