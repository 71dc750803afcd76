import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { MatrixClient } from 'matrix-js-sdk';
import { verifyAttestation } from '../../src/identity/index.ts';
import { canonicalJson } from '../../src/subnet/index.ts';
import { getJson, type RunningWatan, startWatan } from '../cli/run-watan.ts';
import { registeredClient } from '../fixtures/matrix-clients.ts';
import { checkResponsesAgainstSpec } from '../fixtures/spec-conformance.ts';
import { signedInClient, ssoSignIn } from './sso.ts';

checkResponsesAgainstSpec();

const IMRAN_OFFICIAL = { cnic: '61101-0000004-4', pin: '4444' };
const BILAL = { cnic: '42101-0000002-2', pin: '2222' };
const MINISTRY = 'Ministry of Information Technology and Telecommunication';

interface SignedAttestation {
  attestation: Record<string, unknown>;
  signatures: Record<string, string>;
}

async function signIn(baseUrl: string, person: { cnic: string; pin: string }): Promise<MatrixClient> {
  const outcome = await ssoSignIn(baseUrl, person);
  assert.ok('loginToken' in outcome, JSON.stringify(outcome));
  return signedInClient(baseUrl, outcome.loginToken);
}

async function attestationOf(baseUrl: string, reader: MatrixClient, userId: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${baseUrl}/_watan/v1/identity/attestation/${encodeURIComponent(userId)}`, {
    headers: { authorization: `Bearer ${reader.getAccessToken()}` },
  });
  return { status: response.status, body: await response.json() };
}

/** An outsider's check: Ed25519 over the domain-separated canonical JSON, by a key the registry lists as a member. */
function signedByMember(signed: SignedAttestation, members: string[]): boolean {
  const bytes = Buffer.from(`watan attestation v1\n${canonicalJson(signed.attestation as never)}`, 'utf8');
  return Object.entries(signed.signatures).some(([nodeId, signature]) => {
    if (!members.includes(nodeId)) return false;
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: nodeId }, format: 'jwk' });
    return verify(null, bytes, key, Buffer.from(signature, 'base64url'));
  });
}

describe('verified badges and an official organisation are readable by another user, and the attestation is signed', {
  timeout: 120_000,
}, () => {
  let root: string;
  let node: RunningWatan;
  let official: MatrixClient;
  let citizen: MatrixClient;
  let unverified: MatrixClient;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'watan-badge-'));
    node = await startWatan(['--dev', '--data', root, '--port', '0', '--auth-rate-limit', '1000']);
    official = await signIn(node.url, IMRAN_OFFICIAL);
    citizen = await signIn(node.url, BILAL);
    unverified = await registeredClient(node.url, 'password-person');
  });

  after(async () => {
    await node?.kill();
    await rm(root, { recursive: true, force: true });
  });

  test("another user reads the official's badge and organisation from the profile", async () => {
    const profile = (await citizen.getProfileInfo(official.getUserId() as string)) as Record<string, unknown>;
    assert.equal(profile['pk.gov.watan.verified_person'], true);
    assert.deepEqual(profile['pk.gov.watan.organisation'], { ministry: MINISTRY, department: 'Digital Services Wing' });
  });

  test("a citizen's profile carries the badge and no organisation; a password account carries neither", async () => {
    const citizenProfile = (await official.getProfileInfo(citizen.getUserId() as string)) as Record<string, unknown>;
    assert.equal(citizenProfile['pk.gov.watan.verified_person'], true);
    assert.equal(citizenProfile['pk.gov.watan.organisation'], undefined);
    const plain = (await official.getProfileInfo(unverified.getUserId() as string)) as Record<string, unknown>;
    assert.equal(plain['pk.gov.watan.verified_person'], undefined);
  });

  test('the attestation states the facts, nothing identifying, and its signature verifies against the registry', async () => {
    const { status, body } = await attestationOf(node.url, unverified, official.getUserId() as string);
    assert.equal(status, 200, JSON.stringify(body));
    const signed = body as SignedAttestation;
    assert.deepEqual(Object.keys(signed.attestation).sort(), [
      'height',
      'issued_at',
      'minimum_age',
      'organisation',
      'subnet',
      'type',
      'user_id',
      'verified_person',
      'verified_since',
    ]);
    assert.equal(signed.attestation.user_id, official.getUserId());
    assert.equal(signed.attestation.verified_person, true);
    assert.equal(signed.attestation.minimum_age, 18);
    assert.deepEqual(signed.attestation.organisation, { ministry: MINISTRY, department: 'Digital Services Wing' });
    const registry = await getJson(`${node.url}/_watan/v1/registry`);
    const members = (registry.body.nodes as { id: string }[]).map((member) => member.id);
    assert.ok(signedByMember(signed, members), 'the signature does not verify against a registry member');
    assert.ok(verifyAttestation(signed as never, node.node));
  });

  test('an attestation edited after signing does not verify', async () => {
    const { body } = await attestationOf(node.url, citizen, official.getUserId() as string);
    const signed = body as SignedAttestation;
    const forged = { ...signed, attestation: { ...signed.attestation, organisation: { ministry: 'Ministry of Interior' } } };
    const members = [node.node];
    assert.equal(signedByMember(forged, members), false);
    assert.equal(verifyAttestation(forged as never, node.node), false);
  });

  test('there is no attestation for an unverified account, and none without signing in', async () => {
    const none = await attestationOf(node.url, citizen, unverified.getUserId() as string);
    assert.equal(none.status, 404);
    assert.equal((none.body as { errcode: string }).errcode, 'M_NOT_FOUND');
    const anonymous = await fetch(`${node.url}/_watan/v1/identity/attestation/${encodeURIComponent(official.getUserId() as string)}`);
    assert.equal(anonymous.status, 401);
    assert.equal(((await anonymous.json()) as { errcode: string }).errcode, 'M_MISSING_TOKEN');
  });
});
