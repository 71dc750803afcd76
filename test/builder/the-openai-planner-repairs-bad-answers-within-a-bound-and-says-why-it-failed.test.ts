/**
 * The OpenAI-compatible planner against a local node:http server speaking the
 * chat-completions wire format: answers that are not JSON or break the schema are sent back
 * for repair, a bounded number of times; a server that never gets it right, answers an error
 * or hangs is a clear PlanningError.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { OfflinePlanner, OpenAiPlanner, PlannerSettingsError, PlanningError, plannerFrom } from '../../src/builder/index.ts';
import { startBuilderNode } from './builder-node.ts';

interface ChatRequest {
  model: string;
  messages: { role: string; content: string }[];
  response_format: { type: string; json_schema: { name: string; schema: { properties: Record<string, unknown> }; strict: boolean } };
}

/** What the server does next: answer content, an HTTP error, or nothing at all. */
type Reply = { content: string } | { status: number; body: string } | 'hang';

const KEY = 'sk-local-test-key-0123456789';
const good = new OfflinePlanner().planNow({ description: 'complaints: citizens file a complaint with a photo, staff resolve it' }).spec;
const dir = mkdtempSync(join(tmpdir(), 'watan-openai-'));
let server: Server;
let base: string;
let replies: Reply[] = [];
let received: { request: ChatRequest; authorization: string | undefined; path: string }[] = [];

async function bodyOf(request: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of request) text += chunk;
  return text;
}

before(async () => {
  server = createServer(async (request, response) => {
    const request_ = JSON.parse(await bodyOf(request)) as ChatRequest;
    received.push({ request: request_, authorization: request.headers.authorization, path: request.url ?? '' });
    const reply = replies.shift() ?? { status: 500, body: 'no reply scripted' };
    if (reply === 'hang') return;
    if ('status' in reply) {
      response.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.body);
      return;
    }
    const answer = {
      id: `chatcmpl-${received.length}`,
      object: 'chat.completion',
      model: request_.model,
      choices: [{ index: 0, message: { role: 'assistant', content: reply.content }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    };
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

function script(...next: Reply[]): void {
  replies = next;
  received = [];
}

const planner = (options: { timeoutMs?: number } = {}) =>
  new OpenAiPlanner({ baseUrl: `${base}/v1`, model: 'qwen2.5-7b-instruct', apiKey: KEY, ...options });

test('a valid first answer is the plan; the request carries the model, the key and the spec’s JSON Schema as the response format', async () => {
  script({ content: JSON.stringify({ spec: good, not_understood: ['asap'] }) });
  const plan = await planner().plan({ description: 'complaints with photos, asap' });
  assert.deepEqual(plan.spec, good);
  assert.deepEqual(plan.notUnderstood, ['asap']);
  assert.equal(received.length, 1);
  const [{ request, authorization, path }] = received as [(typeof received)[number]];
  assert.equal(path, '/v1/chat/completions');
  assert.equal(authorization, `Bearer ${KEY}`);
  assert.equal(request.model, 'qwen2.5-7b-instruct');
  assert.equal(request.response_format.type, 'json_schema');
  assert.equal(request.response_format.json_schema.name, 'watan_app_plan');
  assert.ok(request.response_format.json_schema.schema.properties.spec, 'the schema describes the spec');
  assert.equal(request.messages[0]?.role, 'system');
  assert.match(request.messages[0]?.content ?? '', /- complaint: complaints and tickets/);
  assert.match(request.messages[1]?.content ?? '', /complaints with photos, asap/);
});

test('an answer that is not JSON, then one that breaks the schema, are each sent back with their problems until one validates', async () => {
  const broken = structuredClone(good) as unknown as { roles: { label: Record<string, string> }[] };
  delete broken.roles[0]?.label.ur;
  script(
    { content: 'Sure! Here is your app: {"spec": ' },
    { content: JSON.stringify({ spec: broken, not_understood: [] }) },
    {
      content: `\`\`\`json\n${JSON.stringify({ spec: good, not_understood: [] })}\n\`\`\``,
    },
  );
  const plan = await planner().plan({ description: 'complaints' });
  assert.deepEqual(plan.spec, good);
  assert.equal(received.length, 3);
  const second = received[1]?.request.messages ?? [];
  assert.equal(second.at(-2)?.role, 'assistant');
  assert.equal(second.at(-2)?.content, 'Sure! Here is your app: {"spec": ');
  assert.match(second.at(-1)?.content ?? '', /the answer is not JSON/);
  const third = received[2]?.request.messages ?? [];
  assert.match(third.at(-1)?.content ?? '', /\/roles\/0\/label/);
});

test('a server that never gets it right is asked a bounded number of times, then INVALID_PROPOSAL names the last problems', async () => {
  const noRoles = { ...good, roles: [] };
  script(...Array.from({ length: 5 }, () => ({ content: JSON.stringify({ spec: noRoles, not_understood: [] }) })));
  await assert.rejects(planner().plan({ description: 'complaints' }), (error: unknown) => {
    assert.ok(error instanceof PlanningError);
    assert.equal(error.code, 'INVALID_PROPOSAL');
    assert.match(error.message, /no valid spec in 3 attempts/);
    assert.match(error.message, /\/roles/);
    assert.ok(error.problems.length > 0);
    return true;
  });
  assert.equal(received.length, 3);
});

test('an error answer, a hanging server and an unreachable one are MODEL_UNAVAILABLE, and no message holds the key', async () => {
  script({ status: 401, body: '{"error":{"message":"bad key"}}' });
  const refused = await planner()
    .plan({ description: 'complaints' })
    .catch((error: unknown) => error);
  assert.ok(refused instanceof PlanningError);
  assert.equal(refused.code, 'MODEL_UNAVAILABLE');
  assert.match(refused.message, /answered 401: \{"error":\{"message":"bad key"\}\}/);
  script('hang');
  const slow = await planner({ timeoutMs: 300 })
    .plan({ description: 'complaints' })
    .catch((error: unknown) => error);
  assert.ok(slow instanceof PlanningError);
  assert.equal(slow.code, 'MODEL_UNAVAILABLE');
  assert.match(slow.message, /did not answer within/);
  const nowhere = await new OpenAiPlanner({ baseUrl: 'http://127.0.0.1:9', model: 'm', apiKey: KEY })
    .plan({ description: 'complaints' })
    .catch((error: unknown) => error);
  assert.ok(nowhere instanceof PlanningError);
  assert.equal(nowhere.code, 'MODEL_UNAVAILABLE');
  assert.match(nowhere.message, /could not reach the model server at http:\/\/127\.0\.0\.1:9\/v1\/chat\/completions/);
  for (const error of [refused, slow, nowhere]) assert.ok(!error.message.includes(KEY));
});

test('the key is read from a file only its owner can read; settings name what is missing', async () => {
  const keyFile = join(dir, 'planner.key');
  writeFileSync(keyFile, `${KEY}\n`, { mode: 0o644 });
  chmodSync(keyFile, 0o644);
  assert.throws(
    () => plannerFrom({ planner: 'openai', baseUrl: base, model: 'm', keyFile }),
    (error: unknown) => error instanceof PlannerSettingsError && /readable by others; chmod 600/.test(error.message),
  );
  chmodSync(keyFile, 0o600);
  script({ content: JSON.stringify({ spec: good, not_understood: [] }) });
  const fromFile = plannerFrom({ planner: 'openai', baseUrl: base, model: 'm', keyFile });
  assert.equal(fromFile.name, 'openai');
  await fromFile.plan({ description: 'complaints' });
  assert.equal(received[0]?.authorization, `Bearer ${KEY}`);
  assert.equal(received[0]?.path, '/v1/chat/completions');
  assert.throws(() => plannerFrom({ planner: 'openai', model: 'm' }), /base URL/);
  assert.throws(() => plannerFrom({ planner: 'openai', baseUrl: base }), /model name/);
});

test('a node configured for the openai planner answers POST /_watan/v1/apps/plan through it, with 502 and 503 for a model that fails', async () => {
  const keyFile = join(dir, 'node-planner.key');
  writeFileSync(keyFile, KEY, { mode: 0o600 });
  const settings = {
    WATAN_PLANNER: 'openai',
    WATAN_PLANNER_URL: base,
    WATAN_PLANNER_MODEL: 'served-model',
    WATAN_PLANNER_KEY_FILE: keyFile,
  };
  Object.assign(process.env, settings);
  const n = await startBuilderNode('builder-openai-plan').finally(() => {
    for (const name of Object.keys(settings)) delete process.env[name];
  });
  try {
    script({ content: JSON.stringify({ spec: good, not_understood: [] }) });
    const planned = await n.api('POST', '/plan', n.builder.token, { description: 'complaints with a photo' });
    assert.equal(planned.status, 200, JSON.stringify(planned.body));
    assert.equal(planned.body.planner, 'openai');
    assert.deepEqual(planned.body.spec, good);
    assert.equal(received[0]?.request.model, 'served-model');
    script(...Array.from({ length: 3 }, () => ({ content: '{"spec": {}}' })));
    const invalid = await n.api('POST', '/plan', n.builder.token, { description: 'complaints' });
    assert.equal(invalid.status, 502);
    assert.equal(invalid.body.errcode, 'INVALID_PROPOSAL');
    script({ status: 503, body: 'loading model' });
    const down = await n.api('POST', '/plan', n.builder.token, { description: 'complaints' });
    assert.equal(down.status, 503);
    assert.equal(down.body.errcode, 'MODEL_UNAVAILABLE');
    assert.ok(!JSON.stringify(down.body).includes(KEY));
  } finally {
    await n.close();
  }
});
