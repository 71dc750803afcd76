import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type RunningProvider, startDevelopmentProvider } from '../../src/identity/index.ts';

const AYESHA = { cnic: '42101-0000001-1', pin: '1111' };
let dir: string;
let provider: RunningProvider;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'watan-idp-'));
  const client = (clientId: string) => ({ clientId, clientSecret: `${clientId}-secret`, redirectUris: [`http://localhost:1/${clientId}`] });
  provider = await startDevelopmentProvider({
    dataDir: dir,
    host: 'localhost',
    port: 0,
    clients: [client('messenger'), client('other-service')],
  });
});

after(async () => {
  await provider.close();
  await rm(dir, { recursive: true, force: true });
});

async function subjectFor(clientId: string): Promise<string> {
  const response = await fetch(`${provider.issuer}/credentials/verified-person`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...AYESHA, client_id: clientId }),
  });
  const { credential } = (await response.json()) as { credential: string };
  const payload = (credential.split('~')[0] as string).split('.')[1] as string;
  return (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub: string }).sub;
}

test('discovery names the issuer, the JWKS, pairwise subjects, PKCE S256 and the claims parameter', async () => {
  const discovery = (await (await fetch(`${provider.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
  assert.equal(discovery.issuer, provider.issuer);
  assert.ok((discovery.subject_types_supported as string[]).includes('pairwise'));
  assert.deepEqual(discovery.code_challenge_methods_supported, ['S256']);
  assert.equal(discovery.claims_parameter_supported, true);
  const jwks = (await (await fetch(discovery.jwks_uri as string)).json()) as { keys: Record<string, unknown>[] };
  assert.ok(jwks.keys.length > 0);
  for (const key of jwks.keys) assert.equal(key.d, undefined, 'the JWKS publishes no private part');
});

test('the same person has a different subject for each client, stable across requests, and none shows the CNIC', async () => {
  const forMessenger = await subjectFor('messenger');
  const forOther = await subjectFor('other-service');
  assert.notEqual(forMessenger, forOther);
  assert.equal(await subjectFor('messenger'), forMessenger);
  for (const subject of [forMessenger, forOther]) {
    assert.ok(!subject.includes('42101') && !subject.includes('p001'), subject);
  }
});

test('a wrong PIN, an unknown client and a body that is not JSON are refused with OAuth errors, not 500s', async () => {
  const post = (body: string) =>
    fetch(`${provider.issuer}/credentials/verified-person`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  assert.equal((await post(JSON.stringify({ ...AYESHA, pin: '0000' }))).status, 401);
  assert.equal((await post(JSON.stringify({ ...AYESHA, client_id: 'nobody' }))).status, 400);
  assert.equal((await post('{not json')).status, 400);
  const page = await fetch(`${provider.issuer}/interaction/unknown`);
  assert.ok(page.status >= 400 && page.status < 500, `status ${page.status}`);
});
