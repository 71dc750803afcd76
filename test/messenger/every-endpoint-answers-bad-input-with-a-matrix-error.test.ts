/**
 * A sweep over every Matrix endpoint the node registers — found from the router itself, so a
 * new endpoint is covered the day it is added: without a token, with a body that is not JSON,
 * with a body of the wrong shape, with overlong path parameters and with nonsense in the query.
 * Each must answer a 4xx with a Matrix error code, and nothing may be logged as a server failure.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { RouteOptions } from 'fastify';
import { nodeParts } from '../../src/cli/composition.ts';
import { type NodePart, type RunningNode, startNode } from '../../src/node/index.ts';
import { testNodeConfig, UNREACHED_LIMITS } from '../fixtures/messenger-node.ts';
import { checkResponsesAgainstSpec } from '../fixtures/spec-conformance.ts';

checkResponsesAgainstSpec();

const dir = mkdtempSync(join(tmpdir(), 'watan-every-endpoint-'));
const logLines: string[] = [];
const routes: { method: string; url: string; hasBody: boolean; fields: string[] }[] = [];
let node: RunningNode;
let token: string;
const values: Record<string, string> = {};

/** Sees every route as it is added (hooks reach into the parts' plugin scopes). */
const recorder: NodePart = {
  name: 'route-recorder',
  apps: [],
  registerRoutes(server) {
    server.addHook('onRoute', (route: RouteOptions) => {
      if (!route.url.startsWith('/_matrix/')) return;
      for (const method of [route.method].flat()) {
        if (method === 'HEAD') continue;
        const body = (route.schema as { body?: { properties?: Record<string, unknown> } } | undefined)?.body;
        routes.push({ method, url: route.url, hasBody: Boolean(body), fields: Object.keys(body?.properties ?? {}) });
      }
    });
  },
};

/** Endpoints anyone may call without signing in. */
const PUBLIC = new Set([
  'GET /_matrix/client/versions',
  'GET /_matrix/client/{v}/login',
  'POST /_matrix/client/{v}/login',
  'POST /_matrix/client/{v}/register',
  'GET /_matrix/client/{v}/register/available',
  'POST /_matrix/client/{v}/refresh',
  'GET /_matrix/client/{v}/publicRooms',
  'GET /_matrix/client/{v}/directory/room/:roomAlias',
  'GET /_matrix/client/{v}/profile/:userId',
  'GET /_matrix/client/{v}/profile/:userId/:field',
]);
/** Endpoints whose body is not JSON by design (media uploads take the file's bytes). */
const RAW_BODY = /\/_matrix\/media\/[^/]+\/upload/;

function publicRoute(method: string, url: string): boolean {
  return PUBLIC.has(`${method} ${url.replace(/^\/_matrix\/client\/(v1|v3|r0)\//, '/_matrix/client/{v}/')}`);
}

before(async () => {
  node = await startNode({
    ...testNodeConfig(dir, logLines),
    parts: [recorder, ...nodeParts({ openRegistration: true, rateLimits: UNREACHED_LIMITS })],
  });
  const first = await call('POST', '/_matrix/client/v3/register', { body: '{"username":"sweeper","password":"long enough password"}' });
  const session = (first.body as { session: string }).session;
  const registered = await call('POST', '/_matrix/client/v3/register', {
    body: JSON.stringify({ username: 'sweeper', password: 'long enough password', auth: { type: 'm.login.dummy', session } }),
  });
  const account = registered.body as { access_token: string; user_id: string; device_id: string };
  token = account.access_token;
  const room = await call('POST', '/_matrix/client/v3/createRoom', { token, body: '{"name":"sweep"}' });
  const roomId = (room.body as { room_id: string }).room_id;
  const sent = await call('PUT', `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/t1`, {
    token,
    body: '{"msgtype":"m.text","body":"hello"}',
  });
  Object.assign(values, {
    roomId,
    roomIdOrAlias: roomId,
    eventId: (sent.body as { event_id: string }).event_id,
    userId: account.user_id,
    deviceId: account.device_id,
    roomAlias: '#nowhere:localhost',
    serverName: 'localhost',
  });
});
after(async () => {
  await node.close();
  rmSync(dir, { recursive: true, force: true });
});

async function call(
  method: string,
  path: string,
  options: { token?: string; body?: string; contentType?: string } = {},
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${node.url}${path}`, {
    method,
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.body !== undefined ? { 'content-type': options.contentType ?? 'application/json' } : {}),
    },
    ...(options.body !== undefined ? { body: options.body } : {}),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: response.status, body };
}

/** The route's path with each parameter filled: a real value where one is known, or `fill`. */
function pathOf(url: string, fill?: string): string {
  return url.replace(/:([A-Za-z]+)/g, (_match, name: string) => encodeURIComponent(fill ?? values[name] ?? 'm.example'));
}

/** Keeps the sweep's own session alive: an endpoint may legitimately end it (logout). */
async function liveToken(): Promise<string> {
  if ((await call('GET', '/_matrix/client/v3/account/whoami', { token })).status === 200) return token;
  const login = await call('POST', '/_matrix/client/v3/login', {
    body: '{"type":"m.login.password","identifier":{"type":"m.id.user","user":"sweeper"},"password":"long enough password"}',
  });
  token = (login.body as { access_token: string }).access_token;
  return token;
}

function assertMatrixError(what: string, answer: { status: number; body: unknown }, status?: number, errcode?: string): void {
  const body = answer.body as { errcode?: string; flows?: unknown };
  assert.ok(answer.status >= 400 && answer.status < 500, `${what}: expected a 4xx, got ${answer.status} ${JSON.stringify(body)}`);
  if (body?.flows !== undefined && answer.status === 401) return; // user-interactive auth asks for its stage
  assert.match(String(body?.errcode), /^M_[A-Z_]+$/, `${what}: expected a Matrix errcode, got ${JSON.stringify(body)}`);
  if (status !== undefined) assert.equal(answer.status, status, `${what}: ${JSON.stringify(body)}`);
  if (errcode !== undefined) assert.equal(body.errcode, errcode, `${what}: ${JSON.stringify(body)}`);
}

test('the sweep found the endpoints', () => {
  assert.ok(routes.length > 80, `only ${routes.length} routes were seen`);
});

test('without a token, every endpoint that needs one answers 401 M_MISSING_TOKEN', async () => {
  for (const route of routes) {
    const answer = await call(route.method, pathOf(route.url), route.method === 'GET' || route.method === 'DELETE' ? {} : { body: '{}' });
    const what = `${route.method} ${route.url} without a token`;
    if (publicRoute(route.method, route.url)) assert.ok(answer.status < 500, `${what}: ${answer.status} ${JSON.stringify(answer.body)}`);
    else assertMatrixError(what, answer, 401, 'M_MISSING_TOKEN');
  }
});

test('a body that is not JSON answers 400 M_NOT_JSON', async () => {
  for (const route of routes) {
    if (route.method === 'GET' || route.method === 'DELETE' || RAW_BODY.test(route.url)) continue;
    const answer = await call(route.method, pathOf(route.url), { token: await liveToken(), body: '{"not json' });
    assertMatrixError(`${route.method} ${route.url} with a broken body`, answer, 400, 'M_NOT_JSON');
  }
});

test('a JSON body of the wrong shape answers 400 M_BAD_JSON', async () => {
  for (const route of routes) {
    if (!route.hasBody || RAW_BODY.test(route.url)) continue;
    for (const body of ['[1,2,3]', '"text"', '42']) {
      const answer = await call(route.method, pathOf(route.url), { token: await liveToken(), body });
      assertMatrixError(`${route.method} ${route.url} with the body ${body}`, answer, 400, 'M_BAD_JSON');
    }
  }
});

test('a body nesting deeper than 100 levels, in any field, answers 400 M_BAD_JSON', async () => {
  const deep = `${'['.repeat(5_000)}${']'.repeat(5_000)}`;
  for (const route of routes) {
    if (route.method === 'GET' || route.method === 'DELETE' || RAW_BODY.test(route.url)) continue;
    for (const field of [...route.fields, 'extra']) {
      const answer = await call(route.method, pathOf(route.url), { token: await liveToken(), body: `{${JSON.stringify(field)}:${deep}}` });
      assertMatrixError(`${route.method} ${route.url} with ${field} nested 5,000 deep`, answer, 400, 'M_BAD_JSON');
    }
    const answer = await call(route.method, pathOf(route.url), { token: await liveToken(), body: deep });
    assertMatrixError(`${route.method} ${route.url} with a body nested 5,000 deep`, answer, 400, 'M_BAD_JSON');
  }
});

test('overlong or malformed path parameters answer a 4xx Matrix error, never a failure', async () => {
  for (const route of routes) {
    if (!route.url.includes(':')) continue;
    for (const fill of ['x'.repeat(300), '!', '@:', '%00', 'ü'.repeat(200)]) {
      const body = route.method === 'GET' || route.method === 'DELETE' ? undefined : '{}';
      const answer = await call(route.method, pathOf(route.url, fill), { token: await liveToken(), ...(body ? { body } : {}) });
      if (answer.status < 400) continue; // some parameters are free text (an account data type, a transaction id)
      assertMatrixError(`${route.method} ${route.url} with ${JSON.stringify(fill.slice(0, 12))}`, answer);
    }
  }
});

test('nonsense in the query string answers a 4xx Matrix error or is ignored, never a failure', async () => {
  const query =
    '?limit=-5&from=zz&to=%FF&dir=sideways&timeout=soon&filter=%7Bbroken&since=nowhere&width=huge&height=-1&method=melt&recurse=maybe';
  for (const route of routes) {
    if (route.method !== 'GET') continue;
    const answer = await call('GET', `${pathOf(route.url)}${query}`, { token: await liveToken() });
    if (answer.status < 400) continue;
    assertMatrixError(`GET ${route.url} with a nonsense query`, answer);
  }
});

test('nothing in the sweep was logged as a server failure', () => {
  const failures = logLines.filter((line) => (JSON.parse(line) as { level: number }).level >= 50);
  assert.deepEqual(failures, []);
});

interface Case {
  name: string;
  method: string;
  /** `{roomId}`, `{eventId}`, `{userId}` are filled with real values made before the tests. */
  path: string;
  body?: string;
  status: number;
  errcode: string;
}

const ROOM = '/_matrix/client/v3/rooms/{roomId}';
/** Field by field: what a client gets wrong, and the code the specification names for it. */
const CASES: Case[] = [
  {
    name: 'sync with an inline filter of the wrong shape',
    method: 'GET',
    path: '/_matrix/client/v3/sync?filter=%7B%22room%22%3A%7B%22timeline%22%3A%7B%22limit%22%3A%22ten%22%7D%7D%7D',
    status: 400,
    errcode: 'M_INVALID_PARAM',
  },
  {
    name: 'createRoom with an unknown preset',
    method: 'POST',
    path: '/_matrix/client/v3/createRoom',
    body: '{"preset":"open_bar"}',
    status: 400,
    errcode: 'M_BAD_JSON',
  },
  {
    name: 'createRoom inviting a string, not a list',
    method: 'POST',
    path: '/_matrix/client/v3/createRoom',
    body: '{"invite":"@a:localhost"}',
    status: 400,
    errcode: 'M_BAD_JSON',
  },
  {
    name: 'createRoom with an unsupported room version',
    method: 'POST',
    path: '/_matrix/client/v3/createRoom',
    body: '{"room_version":"1"}',
    status: 400,
    errcode: 'M_UNSUPPORTED_ROOM_VERSION',
  },
  {
    name: 'createRoom with an alias name holding a colon',
    method: 'POST',
    path: '/_matrix/client/v3/createRoom',
    body: '{"room_alias_name":"a:b"}',
    status: 400,
    errcode: 'M_INVALID_PARAM',
  },
  {
    name: 'createRoom inviting something that is not a user id',
    method: 'POST',
    path: '/_matrix/client/v3/createRoom',
    body: '{"invite":["bob"]}',
    status: 400,
    errcode: 'M_BAD_JSON',
  },
  {
    name: 'a message event over 65,536 bytes',
    method: 'PUT',
    path: `${ROOM}/send/m.room.message/big`,
    body: JSON.stringify({ msgtype: 'm.text', body: 'x'.repeat(70_000) }),
    status: 413,
    errcode: 'M_TOO_LARGE',
  },
  {
    name: 'a state event whose content is a list',
    method: 'PUT',
    path: `${ROOM}/state/m.room.topic/`,
    body: '["topic"]',
    status: 400,
    errcode: 'M_BAD_JSON',
  },
  { name: 'an invite without a user id', method: 'POST', path: `${ROOM}/invite`, body: '{}', status: 400, errcode: 'M_BAD_JSON' },
  {
    name: 'an invite of something that is not a user id',
    method: 'POST',
    path: `${ROOM}/invite`,
    body: '{"user_id":"bob"}',
    status: 400,
    errcode: 'M_BAD_JSON',
  },
  {
    name: 'a kick with a numeric reason',
    method: 'POST',
    path: `${ROOM}/kick`,
    body: '{"user_id":"@x:localhost","reason":5}',
    status: 400,
    errcode: 'M_BAD_JSON',
  },
  {
    name: 'typing with a string for the flag',
    method: 'PUT',
    path: `${ROOM}/typing/{userId}`,
    body: '{"typing":"yes"}',
    status: 400,
    errcode: 'M_BAD_JSON',
  },
  {
    name: 'typing on behalf of someone else',
    method: 'PUT',
    path: `${ROOM}/typing/@other:localhost`,
    body: '{"typing":true}',
    status: 403,
    errcode: 'M_FORBIDDEN',
  },
  {
    name: 'a receipt of an unknown type',
    method: 'POST',
    path: `${ROOM}/receipt/m.seen/{eventId}`,
    body: '{}',
    status: 400,
    errcode: 'M_INVALID_PARAM',
  },
  {
    name: 'read markers with a number for an event id',
    method: 'POST',
    path: `${ROOM}/read_markers`,
    body: '{"m.fully_read":5}',
    status: 400,
    errcode: 'M_BAD_JSON',
  },
  {
    name: 'messages in a direction that does not exist',
    method: 'GET',
    path: `${ROOM}/messages?dir=sideways`,
    status: 400,
    errcode: 'M_INVALID_PARAM',
  },
  {
    name: 'messages with a limit that is not a number',
    method: 'GET',
    path: `${ROOM}/messages?dir=b&limit=many`,
    status: 400,
    errcode: 'M_INVALID_PARAM',
  },
  {
    name: 'messages from a token this server never gave',
    method: 'GET',
    path: `${ROOM}/messages?dir=b&from=yesterday`,
    status: 400,
    errcode: 'M_INVALID_PARAM',
  },
  { name: 'an event id that does not exist', method: 'GET', path: `${ROOM}/event/$nothing`, status: 404, errcode: 'M_NOT_FOUND' },
  {
    name: 'sync with a timeout that is not a number',
    method: 'GET',
    path: '/_matrix/client/v3/sync?timeout=soon',
    status: 400,
    errcode: 'M_INVALID_PARAM',
  },
  {
    name: 'sync since a token this server never gave',
    method: 'GET',
    path: '/_matrix/client/v3/sync?since=nowhere',
    status: 400,
    errcode: 'M_INVALID_PARAM',
  },
  {
    name: 'sync with an inline filter that is not JSON',
    method: 'GET',
    path: '/_matrix/client/v3/sync?filter=%7Bbroken',
    status: 400,
    errcode: 'M_INVALID_PARAM',
  },
  {
    name: 'a filter with a string for a limit',
    method: 'POST',
    path: '/_matrix/client/v3/user/{userId}/filter',
    body: '{"room":{"timeline":{"limit":"ten"}}}',
    status: 400,
    errcode: 'M_BAD_JSON',
  },
  {
    name: 'a filter for someone else',
    method: 'POST',
    path: '/_matrix/client/v3/user/@other:localhost/filter',
    body: '{}',
    status: 403,
    errcode: 'M_FORBIDDEN',
  },
  {
    name: 'a filter id that was never made',
    method: 'GET',
    path: '/_matrix/client/v3/user/{userId}/filter/404',
    status: 404,
    errcode: 'M_NOT_FOUND',
  },
  {
    name: 'a display name that is a number',
    method: 'PUT',
    path: '/_matrix/client/v3/profile/{userId}/displayname',
    body: '{"displayname":5}',
    status: 400,
    errcode: 'M_BAD_JSON',
  },
  {
    name: "someone else's display name",
    method: 'PUT',
    path: '/_matrix/client/v3/profile/@other:localhost/displayname',
    body: '{"displayname":"x"}',
    status: 403,
    errcode: 'M_FORBIDDEN',
  },
  {
    name: "someone else's account data",
    method: 'PUT',
    path: '/_matrix/client/v3/user/@other:localhost/account_data/m.x',
    body: '{}',
    status: 403,
    errcode: 'M_FORBIDDEN',
  },
  {
    name: 'account data of a type the server manages',
    method: 'PUT',
    path: '/_matrix/client/v3/user/{userId}/account_data/m.fully_read',
    body: '{}',
    status: 400,
    errcode: 'M_BAD_JSON',
  },
  {
    name: 'a tag order outside 0..1',
    method: 'PUT',
    path: '/_matrix/client/v3/user/{userId}/rooms/{roomId}/tags/u.work',
    body: '{"order":7}',
    status: 400,
    errcode: 'M_BAD_JSON',
  },
  {
    name: 'an alias for a room id that is malformed',
    method: 'PUT',
    path: '/_matrix/client/v3/directory/room/%23mine:localhost',
    body: '{"room_id":"nope"}',
    status: 400,
    errcode: 'M_INVALID_PARAM',
  },
  {
    name: 'an alias of another server',
    method: 'PUT',
    path: '/_matrix/client/v3/directory/room/%23mine:elsewhere.org',
    body: '{"room_id":"{roomId}"}',
    status: 400,
    errcode: 'M_INVALID_PARAM',
  },
  {
    name: 'a directory visibility that does not exist',
    method: 'PUT',
    path: '/_matrix/client/v3/directory/list/room/{roomId}',
    body: '{"visibility":"secret"}',
    status: 400,
    errcode: 'M_BAD_JSON',
  },
  {
    name: 'publicRooms with a limit that is not a number',
    method: 'GET',
    path: '/_matrix/client/v3/publicRooms?limit=all',
    status: 400,
    errcode: 'M_INVALID_PARAM',
  },
  {
    name: 'a user search without a search term',
    method: 'POST',
    path: '/_matrix/client/v3/user_directory/search',
    body: '{}',
    status: 400,
    errcode: 'M_BAD_JSON',
  },
  {
    name: 'renaming a device with a number',
    method: 'PUT',
    path: '/_matrix/client/v3/devices/{deviceId}',
    body: '{"display_name":5}',
    status: 400,
    errcode: 'M_BAD_JSON',
  },
  { name: 'a device that does not exist', method: 'GET', path: '/_matrix/client/v3/devices/NOPE', status: 404, errcode: 'M_NOT_FOUND' },
  {
    name: 'a new password that is too short',
    method: 'POST',
    path: '/_matrix/client/v3/account/password',
    body: '{"new_password":"x"}',
    status: 400,
    errcode: 'M_BAD_JSON',
  },
  {
    name: 'joining a room alias that does not exist',
    method: 'POST',
    path: '/_matrix/client/v3/join/%23nowhere:localhost',
    body: '{}',
    status: 404,
    errcode: 'M_NOT_FOUND',
  },
  {
    name: 'joining something that is neither a room id nor an alias',
    method: 'POST',
    path: '/_matrix/client/v3/join/lobby',
    body: '{}',
    status: 400,
    errcode: 'M_INVALID_PARAM',
  },
  {
    name: 'device keys of another user',
    method: 'POST',
    path: '/_matrix/client/v3/keys/upload',
    body: '{"device_keys":{"user_id":"@other:localhost","device_id":"{deviceId}","algorithms":[],"keys":{},"signatures":{}}}',
    status: 403,
    errcode: 'M_FORBIDDEN',
  },
  {
    name: 'device keys whose signature is missing',
    method: 'POST',
    path: '/_matrix/client/v3/keys/upload',
    body: '{"device_keys":{"user_id":"{userId}","device_id":"{deviceId}","algorithms":[],"keys":{"ed25519:{deviceId}":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},"signatures":{}}}',
    status: 400,
    errcode: 'M_INVALID_SIGNATURE',
  },
  {
    name: 'one-time keys as a list',
    method: 'POST',
    path: '/_matrix/client/v3/keys/upload',
    body: '{"one_time_keys":["a"]}',
    status: 400,
    errcode: 'M_BAD_JSON',
  },
  {
    name: 'a key query without device_keys',
    method: 'POST',
    path: '/_matrix/client/v3/keys/query',
    body: '{}',
    status: 400,
    errcode: 'M_BAD_JSON',
  },
  {
    name: 'a key claim naming something that is not a user id',
    method: 'POST',
    path: '/_matrix/client/v3/keys/claim',
    body: '{"one_time_keys":{"bob":{"DEVICE":"signed_curve25519"}}}',
    status: 400,
    errcode: 'M_BAD_JSON',
  },
  {
    name: 'key changes from a token this server never gave',
    method: 'GET',
    path: '/_matrix/client/v3/keys/changes?from=yesterday&to=today',
    status: 400,
    errcode: 'M_INVALID_PARAM',
  },
  {
    name: 'a to-device message without messages',
    method: 'PUT',
    path: '/_matrix/client/v3/sendToDevice/m.test/t1',
    body: '{}',
    status: 400,
    errcode: 'M_BAD_JSON',
  },
  {
    name: 'a master key with two public keys',
    method: 'POST',
    path: '/_matrix/client/v3/keys/device_signing/upload',
    body: '{"master_key":{"user_id":"{userId}","usage":["master"],"keys":{"ed25519:a":"a","ed25519:b":"b"}}}',
    status: 400,
    errcode: 'M_BAD_JSON',
  },
  {
    name: 'a self-signing key without a master key',
    method: 'POST',
    path: '/_matrix/client/v3/keys/device_signing/upload',
    body: '{"self_signing_key":{"user_id":"{userId}","usage":["self_signing"],"keys":{"ed25519:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}}}',
    status: 400,
    errcode: 'M_MISSING_PARAM',
  },
  {
    name: 'a key backup without an algorithm',
    method: 'POST',
    path: '/_matrix/client/v3/room_keys/version',
    body: '{"auth_data":{}}',
    status: 400,
    errcode: 'M_BAD_JSON',
  },
  {
    name: 'a key backup version that does not exist',
    method: 'GET',
    path: '/_matrix/client/v3/room_keys/version/99',
    status: 404,
    errcode: 'M_NOT_FOUND',
  },
  {
    name: 'backed-up keys without a version',
    method: 'GET',
    path: '/_matrix/client/v3/room_keys/keys',
    status: 400,
    errcode: 'M_INVALID_PARAM',
  },
  {
    name: 'a backed-up key with a string for its index',
    method: 'PUT',
    path: '/_matrix/client/v3/room_keys/keys/{roomId}/s1?version=1',
    body: '{"first_message_index":"0","forwarded_count":0,"is_verified":false,"session_data":{}}',
    status: 400,
    errcode: 'M_BAD_JSON',
  },
  {
    name: 'redacting an event that does not exist',
    method: 'PUT',
    path: `${ROOM}/redact/$nothing/r1`,
    body: '{}',
    status: 404,
    errcode: 'M_NOT_FOUND',
  },
];

for (const c of CASES) {
  test(`${c.name} answers ${c.status} ${c.errcode}`, async () => {
    const path = c.path.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(values[name] as string));
    const body = c.body?.replace(/\{(\w+)\}/g, (_m, name: string) => values[name] as string);
    const answer = await call(c.method, path, { token: await liveToken(), ...(body !== undefined ? { body } : {}) });
    assertMatrixError(c.name, answer, c.status, c.errcode);
  });
}
