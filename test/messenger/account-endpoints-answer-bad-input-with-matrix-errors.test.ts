import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type RunningWatan, startWatan } from '../cli/run-watan.ts';
import { checkResponsesAgainstSpec } from '../fixtures/spec-conformance.ts';

checkResponsesAgainstSpec();

const root = mkdtempSync(join(tmpdir(), 'watan-bad-input-'));
let dev: RunningWatan;
let production: RunningWatan;

before(async () => {
  [dev, production] = await Promise.all([
    startWatan(['--dev', '--data', join(root, 'dev'), '--port', '0']),
    startWatan(['--data', join(root, 'prod'), '--port', '0']),
  ]);
});
after(async () => {
  await Promise.all([dev.kill(), production.kill()]);
  rmSync(root, { recursive: true, force: true });
});

interface Case {
  name: string;
  method: string;
  path: string;
  body?: string;
  headers?: Record<string, string>;
  status: number;
  errcode: string;
}

const json = { 'content-type': 'application/json' };
const CASES: Case[] = [
  {
    name: 'register with a body that is not JSON',
    method: 'POST',
    path: '/_matrix/client/v3/register',
    body: '{"username":',
    headers: json,
    status: 400,
    errcode: 'M_NOT_JSON',
  },
  {
    name: 'register with a body of another media type',
    method: 'POST',
    path: '/_matrix/client/v3/register',
    body: 'username=a',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    status: 400,
    errcode: 'M_NOT_JSON',
  },
  {
    name: 'register with a text/plain body that is not JSON',
    method: 'POST',
    path: '/_matrix/client/v3/register',
    body: 'username=a',
    headers: { 'content-type': 'text/plain' },
    status: 400,
    errcode: 'M_NOT_JSON',
  },
  {
    name: 'register with a number for a username',
    method: 'POST',
    path: '/_matrix/client/v3/register',
    body: '{"username":5,"password":"long enough"}',
    headers: json,
    status: 400,
    errcode: 'M_BAD_JSON',
  },
  {
    name: 'register with a username outside the grammar',
    method: 'POST',
    path: '/_matrix/client/v3/register',
    body: '{"username":"a b","password":"long enough"}',
    headers: json,
    status: 400,
    errcode: 'M_INVALID_USERNAME',
  },
  {
    name: 'register with a short password',
    method: 'POST',
    path: '/_matrix/client/v3/register',
    body: '{"username":"zed","password":"short"}',
    headers: json,
    status: 400,
    errcode: 'M_WEAK_PASSWORD',
  },
  {
    name: 'register as a guest',
    method: 'POST',
    path: '/_matrix/client/v3/register?kind=guest',
    body: '{}',
    headers: json,
    status: 403,
    errcode: 'M_GUEST_ACCESS_FORBIDDEN',
  },
  {
    name: 'register with an unknown kind',
    method: 'POST',
    path: '/_matrix/client/v3/register?kind=robot',
    body: '{}',
    headers: json,
    status: 400,
    errcode: 'M_INVALID_PARAM',
  },
  {
    name: 'availability without a username',
    method: 'GET',
    path: '/_matrix/client/v3/register/available',
    status: 400,
    errcode: 'M_INVALID_PARAM',
  },
  {
    name: 'login with an unknown login type',
    method: 'POST',
    path: '/_matrix/client/v3/login',
    body: '{"type":"m.login.magic"}',
    headers: json,
    status: 400,
    errcode: 'M_UNKNOWN',
  },
  {
    name: 'login with an array for a body',
    method: 'POST',
    path: '/_matrix/client/v3/login',
    body: '[]',
    headers: json,
    status: 400,
    errcode: 'M_BAD_JSON',
  },
  {
    name: 'login without naming the user',
    method: 'POST',
    path: '/_matrix/client/v3/login',
    body: '{"type":"m.login.password","password":"x"}',
    headers: json,
    status: 400,
    errcode: 'M_MISSING_PARAM',
  },
  {
    name: 'login with a third-party identifier',
    method: 'POST',
    path: '/_matrix/client/v3/login',
    body: '{"type":"m.login.password","identifier":{"type":"m.id.phone"},"password":"x"}',
    headers: json,
    status: 400,
    errcode: 'M_UNKNOWN',
  },
  { name: 'whoami without a token', method: 'GET', path: '/_matrix/client/v3/account/whoami', status: 401, errcode: 'M_MISSING_TOKEN' },
  {
    name: 'whoami with a malformed Authorization header',
    method: 'GET',
    path: '/_matrix/client/v3/account/whoami',
    headers: { authorization: 'Basic abc' },
    status: 401,
    errcode: 'M_MISSING_TOKEN',
  },
  {
    name: 'whoami with an unknown token',
    method: 'GET',
    path: '/_matrix/client/v3/account/whoami',
    headers: { authorization: 'Bearer wat_nope' },
    status: 401,
    errcode: 'M_UNKNOWN_TOKEN',
  },
  {
    name: 'whoami with an unknown token in the query',
    method: 'GET',
    path: '/_matrix/client/r0/account/whoami?access_token=wat_nope',
    status: 401,
    errcode: 'M_UNKNOWN_TOKEN',
  },
  {
    name: 'logout without a token',
    method: 'POST',
    path: '/_matrix/client/v3/logout',
    body: '{}',
    headers: json,
    status: 401,
    errcode: 'M_MISSING_TOKEN',
  },
  {
    name: 'an endpoint that does not exist',
    method: 'GET',
    path: '/_matrix/client/v3/no/such/endpoint',
    status: 404,
    errcode: 'M_UNRECOGNIZED',
  },
];

for (const c of CASES) {
  test(`${c.name} answers ${c.status} ${c.errcode}`, async () => {
    const response = await fetch(`${dev.url}${c.path}`, { method: c.method, headers: c.headers, body: c.body });
    const body = (await response.json()) as { errcode?: string; error?: string };
    assert.equal(response.status, c.status, JSON.stringify(body));
    assert.equal(body.errcode, c.errcode, JSON.stringify(body));
    assert.equal(typeof body.error, 'string', 'every error carries a message');
  });
}

test('a JSON body labelled text/plain is read as JSON, as matrix-js-sdk sends some requests', async () => {
  const response = await fetch(`${dev.url}/_matrix/client/v3/register`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain;charset=UTF-8' },
    body: JSON.stringify({ username: 'plain_text_body' }),
  });
  assert.equal(response.status, 401, 'the user-interactive auth challenge, so the body was understood');
  assert.ok(((await response.json()) as { flows?: unknown }).flows);
});

test('password registration is closed outside development mode, with what to do instead', async () => {
  const response = await fetch(`${production.url}/_matrix/client/v3/register`, {
    method: 'POST',
    headers: json,
    body: '{"username":"x","password":"long enough"}',
  });
  assert.equal(response.status, 403);
  const body = (await response.json()) as { errcode: string; error: string };
  assert.equal(body.errcode, 'M_FORBIDDEN');
  assert.match(body.error, /identity provider/);
});
