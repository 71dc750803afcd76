/**
 * The builder's HTTP API on a real node: a verified, licensed builder deploys a spec with their
 * messenger access token, users create and list records through the app's JSON API, the
 * OpenAPI document follows the spec, and every refusal is the node's own JSON error.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { type BuilderNode, type SignedIn, startBuilderNode } from './builder-node.ts';

let n: BuilderNode;
let builder: SignedIn;
let citizen: SignedIn;
const spec = JSON.parse(readFileSync(new URL('../../examples/apps/passport-appointments.json', import.meta.url), 'utf8'));
const api: BuilderNode['api'] = (...args) => n.api(...args);

before(async () => {
  n = await startBuilderNode('builder-http');
  builder = n.builder;
  citizen = await n.verifiedAccount('citizen');
});
after(() => n.close());

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
  assert.equal(shape.body.errcode, 'INVALID_ARGS');
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

test('a file is stored on the node and served only through a record the caller may read', async () => {
  const complaints = JSON.parse(readFileSync(new URL('../../examples/apps/complaint-tracking.json', import.meta.url), 'utf8'));
  assert.equal((await api('POST', '', builder.token, { spec: complaints })).status, 200);
  const photo = Buffer.from('a photo of a broken pipe, as bytes');
  const upload = async (token: string) =>
    fetch(`${n.m.node.url}/_watan/v1/apps/complaint-tracking/files`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'image/jpeg' },
      body: photo,
    });
  const uploaded = await upload(citizen.token);
  assert.equal(uploaded.status, 200);
  const { hash } = (await uploaded.json()) as { hash: string };
  const fields = { category: 'water', description: 'The pipe on our street burst', location: 'Street 4, G-9', photo: hash };
  const made = await api('POST', '/complaint-tracking/records/complaint', citizen.token, { fields });
  assert.equal(made.status, 200, JSON.stringify(made.body));
  const download = (token: string) =>
    fetch(`${n.m.node.url}/_watan/v1/apps/complaint-tracking/records/complaint/${made.body.id}/files/photo`, {
      headers: { authorization: `Bearer ${token}` },
    });
  const mine = await download(citizen.token);
  assert.equal(mine.status, 200);
  assert.deepEqual(Buffer.from(await mine.arrayBuffer()), photo);
  const neighbour = await n.verifiedAccount('neighbour');
  const theirs = await download(neighbour.token);
  assert.equal(theirs.status, 404);
  assert.equal(((await theirs.json()) as { errcode: string }).errcode, 'NOT_FOUND');
  const invented = await api('POST', '/complaint-tracking/records/complaint', citizen.token, {
    fields: { ...fields, photo: 'f'.repeat(64) },
  });
  assert.equal(invented.status, 400);
  assert.match(invented.body.error ?? '', /no file/);
});
