/**
 * Revocation closes an account as the owner's /account/deactivate does: its cross-signing
 * keys are no longer published and its key backups are gone, not only its devices.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import type { MatrixClient } from 'matrix-js-sdk';
import { registeredClient } from '../fixtures/matrix-clients.ts';
import { crossSigningKey, newSigner, signedBy } from '../fixtures/signed-keys.ts';
import { checkResponsesAgainstSpec } from '../fixtures/spec-conformance.ts';
import { signedInClient, ssoSignIn, ssoTestNode } from './sso.ts';

checkResponsesAgainstSpec();

const SANA = { cnic: '61101-0000005-5', pin: '5555' };
const AYESHA = { cnic: '42101-0000001-1', pin: '1111' };

async function ssoClient(baseUrl: string, person: { cnic: string; pin: string }): Promise<MatrixClient> {
  const outcome = await ssoSignIn(baseUrl, person);
  assert.ok('loginToken' in outcome, JSON.stringify(outcome));
  return signedInClient(baseUrl, outcome.loginToken);
}

async function call(baseUrl: string, method: string, path: string, client: MatrixClient, body?: unknown) {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${client.getAccessToken()}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('a revoked account keeps no cross-signing keys or key backups', { timeout: 120_000 }, () => {
  const watan = ssoTestNode('revoke-keys', ['--identity-admin', '@admin:localhost']);

  test('after an administrator revokes, /keys/query serves no cross-signing keys and the backups are gone', async () => {
    const admin = await registeredClient(watan.url, 'admin');
    const reader = await ssoClient(watan.url, AYESHA);
    const sana = await ssoClient(watan.url, SANA);
    const userId = sana.getUserId() as string;
    const master = newSigner();
    const selfSigning = newSigner();
    const signing = await call(watan.url, 'POST', '/_matrix/client/v3/keys/device_signing/upload', sana, {
      master_key: crossSigningKey(userId, 'master', master),
      self_signing_key: signedBy(crossSigningKey(userId, 'self_signing', selfSigning), userId, `ed25519:${master.publicKey}`, master),
    });
    assert.equal(signing.status, 200, JSON.stringify(signing.body));
    const backup = await call(watan.url, 'POST', '/_matrix/client/v3/room_keys/version', sana, {
      algorithm: 'm.megolm_backup.v1.curve25519-aes-sha2',
      auth_data: {},
    });
    assert.equal(backup.status, 200, JSON.stringify(backup.body));
    const query = async () =>
      (await call(watan.url, 'POST', '/_matrix/client/v3/keys/query', reader, { device_keys: { [userId]: [] } })).body;
    assert.ok((((await query()).master_keys ?? {}) as Record<string, unknown>)[userId], 'published before');

    const revoked = await call(watan.url, 'POST', '/_watan/v1/identity/revoke', admin, { user_id: userId });
    assert.equal(revoked.status, 200, JSON.stringify(revoked.body));

    const published = await query();
    assert.deepEqual([published.master_keys ?? {}, published.self_signing_keys ?? {}], [{}, {}]);
    // The owner has no session left to ask with; the node's own state says what it keeps.
    const state = new Database(join(watan.dir, 'state.sqlite'), { readonly: true, fileMustExist: true });
    try {
      const versions = state.prepare('SELECT count(*) AS n FROM app_messenger__backup_versions WHERE user_id = ?').get(userId);
      assert.deepEqual(versions, { n: 0 }, 'the key backup versions are gone');
    } finally {
      state.close();
    }
  });
});
