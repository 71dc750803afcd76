/**
 * The builder's HTTP API on a real node: a verified, licensed builder deploys a spec with their
 * messenger access token, users create and list records through the app's JSON API, the
 * OpenAPI document follows the spec, and every refusal is the node's own JSON error.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { decisionBytes } from '../../src/builder/licences/index.ts';
import { approve, type JsonValue, loadOrCreateSigningKey, newCommandId } from '../../src/subnet/index.ts';
import { type MessengerNode, startMessengerNode } from '../fixtures/messenger-node.ts';

let m: MessengerNode;
let builder: { token: string; userId: string };
let citizen: { token: string; userId: string };
const spec = JSON.parse(readFileSync(new URL('../../examples/apps/passport-appointments.json', import.meta.url), 'utf8'));

async function api(method: string, path: string, token?: string, body?: unknown) {
  const response = await fetch(`${m.node.url}/_watan/v1/apps${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> & { errcode?: string; error?: string } };
}

const submit = (app: string, method: string, args: Record<string, unknown>, caller: string) =>
  m.node.subnet.submit({ id: newCommandId(), app, method, args: args as JsonValue, caller });

/** A verified person's account, as the SSO callback makes it (a login token), signed in over HTTP with m.login.token. */
async function verifiedAccount(localpart: string): Promise<{ token: string; userId: string }> {
  const loginToken = randomBytes(24).toString('base64url');
  const person = createHash('sha256').update(localpart).digest('hex');
  const login = { login_hash: createHash('sha256').update(loginToken).digest('hex'), lifetime_ms: 60_000 };
  const args = {
    person_hash: person,
    server_name: 'localhost',
    localpart,
    via: 'oidc',
    minimum_age: 18,
    accounts_per_person: 1,
    existing: 'refuse',
    login,
  };
  const made = await submit('messenger', 'register_verified', args, 'anonymous');
  assert.ok(made.ok, JSON.stringify(made));
  const signedIn = await m.call('POST', '/login', undefined, { type: 'm.login.token', token: loginToken });
  assert.equal(signedIn.status, 200, JSON.stringify(signedIn.body));
  return { token: signedIn.body.access_token as string, userId: signedIn.body.user_id as string };
}

before(async () => {
  m = await startMessengerNode('builder-http');
  builder = await verifiedAccount('builder');
  citizen = await verifiedAccount('citizen');
  // The development registry's governance key appoints a licence administrator, who licenses the builder.
  const governance = loadOrCreateSigningKey(join(m.node.subnet.dataDir, 'governance.key'));
  const admin = await verifiedAccount('licence-admin');
  const { epoch } = m.node.subnet.query('builder', 'licence_pool', {}, 'test') as { epoch: number };
  const decision = { action: 'appoint_admin', user_id: admin.userId } as const;
  const approvals = [approve(governance, decisionBytes(m.node.subnet.subnetId, epoch, decision))];
  const appointed = await submit('builder', 'licence_appoint_admin', { user_id: admin.userId, approvals }, 'anyone');
  assert.ok(appointed.ok, JSON.stringify(appointed));
  const assigned = await submit('builder', 'licence_assign', { user_id: builder.userId, sector: 'government' }, admin.userId);
  assert.ok(assigned.ok, JSON.stringify(assigned));
});
after(() => m.close());

test('a licensed builder deploys a spec; a bad spec and a missing token are the node’s own errors', async () => {
  const missing = await api('POST', '', undefined, { spec });
  assert.equal(missing.status, 401);
  assert.equal(missing.body.errcode, 'UNAUTHENTICATED');
  const broken = await api('POST', '', builder.token, { spec: { ...spec, roles: [] } });
  assert.equal(broken.status, 400);
  assert.equal(broken.body.errcode, 'INVALID_SPEC');
  assert.ok(Array.isArray(broken.body.problems));
  const notLicensed = await api('POST', '', citizen.token, { spec });
  assert.equal(notLicensed.status, 403);
  assert.equal(notLicensed.body.errcode, 'NOT_LICENSED');
  const deployed = await api('POST', '', builder.token, { spec });
  assert.equal(deployed.status, 200, JSON.stringify(deployed.body));
  assert.equal(deployed.body.version, 1);
  const listed = await api('GET', '', citizen.token);
  assert.deepEqual(listed.body.apps, [{ app: 'passport-appointments', version: 1 }]);
});

test('records go through the app’s JSON API under its permissions, and its OpenAPI document follows the spec', async () => {
  const office = await api('POST', '/passport-appointments/records/office', builder.token, {
    fields: { city: 'Karachi', address: 'Saddar' },
  });
  assert.equal(office.status, 200, JSON.stringify(office.body));
  const fields = { applicant_name: 'Hina', phone: '+92 333 1112223', office: office.body.id, day: '2026-12-21' };
  const made = await api('POST', '/passport-appointments/records/appointment', citizen.token, { fields });
  assert.equal(made.status, 200, JSON.stringify(made.body));
  const id = made.body.id as string;
  const read = await api('GET', `/passport-appointments/records/appointment/${id}`, citizen.token);
  assert.equal((read.body.fields as Record<string, unknown>).status, 'requested');
  const hidden = await api('GET', `/passport-appointments/records/appointment/${id}`, builder.token);
  assert.equal(hidden.status, 404);
  assert.equal(hidden.body.errcode, 'NOT_FOUND');
  const bad = await api('POST', '/passport-appointments/records/appointment', citizen.token, { fields: { ...fields, day: 'tomorrow' } });
  assert.equal(bad.status, 400);
  assert.match(bad.body.error ?? '', /appointment\.day/);
  const page = await api(
    'GET',
    `/passport-appointments/records/appointment?filters=${encodeURIComponent('{"status":"requested"}')}&sort=day&limit=10`,
    citizen.token,
  );
  assert.deepEqual(
    (page.body.records as { id: string }[]).map((r) => r.id),
    [id],
  );
  const shape = await api('GET', '/passport-appointments/records/appointment?limit=5000', citizen.token);
  assert.equal(shape.status, 400);
  assert.equal(shape.body.errcode, 'INVALID');
  const doc = await api('GET', '/passport-appointments/openapi.json', citizen.token);
  assert.equal(doc.body.openapi, '3.1.0');
  const paths = doc.body.paths as Record<string, unknown>;
  assert.ok(paths['/_watan/v1/apps/passport-appointments/records/appointment/{id}/transitions/confirm']);
  const schemas = (doc.body.components as { schemas: Record<string, { properties: Record<string, { enum?: string[] }> }> }).schemas;
  assert.deepEqual(schemas.appointment?.properties.service?.enum, ['new', 'renewal', 'lost']);
});

test('a destructive upgrade over HTTP answers 409 with each change explained, then applies when confirmed', async () => {
  const next = structuredClone(spec);
  next.entities[1].fields = next.entities[1].fields.filter((f: { name: string }) => f.name !== 'phone');
  const withoutPhone = (names?: string[]) => names?.filter((name) => name !== 'phone');
  next.views = next.views.map((v: Record<string, string[] | undefined>) => ({
    ...v,
    search: withoutPhone(v.search),
    fields: withoutPhone(v.fields),
  }));
  const diff = await api('POST', '/diff', builder.token, { spec: next });
  assert.equal(diff.status, 200, JSON.stringify(diff.body));
  const changes = diff.body.changes as { safety: string; kind: string; records: number; ur: string }[];
  const removal = changes.find((c) => c.kind === 'remove_field');
  assert.equal(removal?.safety, 'confirm');
  assert.equal(removal?.records, 1);
  const refused = await api('POST', '', builder.token, { spec: next });
  assert.equal(refused.status, 409);
  assert.equal(refused.body.errcode, 'CONFIRMATION_NEEDED');
  const confirmed = await api('POST', '', builder.token, { spec: next, confirm: true });
  assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
  const restored = await api('POST', '/passport-appointments/restore', builder.token, { version: 1, confirm: true });
  assert.equal(restored.status, 200, JSON.stringify(restored.body));
  assert.equal(restored.body.restored, 1);
});
