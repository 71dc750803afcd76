/**
 * Subjects are pairwise per relying party: a credential an issuer made for another service
 * names the same person by another subject. Registration takes only credentials issued for
 * Watan (`aud`), or one person could hold an extra account.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type RunningWatan, startWatan } from '../cli/run-watan.ts';
import { credentialFor, credentialSignedBy, POLICY_FRAME, present, registerWith } from './credentials.ts';

const ISSUER = 'https://issuer.test.invalid';
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });

describe('a credential issued for another service is refused', { timeout: 120_000 }, () => {
  let root: string;
  let node: RunningWatan;
  let developmentIssuer: string;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'watan-vc-aud-'));
    const issuersFile = join(root, 'issuers.json');
    await writeFile(
      issuersFile,
      JSON.stringify({ issuers: [{ issuer: ISSUER, keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1' }] }] }),
    );
    node = await startWatan([
      '--dev',
      '--data',
      join(root, 'node'),
      '--port',
      '0',
      '--auth-rate-limit',
      '1000',
      '--trusted-issuers-file',
      issuersFile,
    ]);
    developmentIssuer = (/development identity provider at (\S+)/.exec(node.stdout()) ?? [])[1] as string;
  });
  after(async () => {
    await node?.kill();
    await rm(root, { recursive: true, force: true });
  });

  test('the development issuer states the audience it issued for, and that credential registers', async () => {
    const credential = await credentialFor(developmentIssuer, { cnic: '35202-0000007-7', pin: '7777' });
    const payload = JSON.parse(Buffer.from(credential.split('.')[1] as string, 'base64url').toString('utf8')) as { aud?: unknown };
    assert.equal(payload.aud, 'watan-dev', 'issued for the client that asked (client_id)');
    const { status, body } = await registerWith(node.url, await present(credential, POLICY_FRAME));
    assert.equal(status, 200, JSON.stringify(body));
  });

  test('a trusted issuer’s credential for another audience, or none, is refused; one for Watan registers', async () => {
    for (const aud of [{ aud: 'another-service' }, { aud: ['another-service'] }, {}]) {
      const presentation = await present(await credentialSignedBy(privateKey, 'k1', { iss: ISSUER, ...aud }), POLICY_FRAME);
      const { status, body } = await registerWith(node.url, presentation);
      assert.equal(status, 403, JSON.stringify(body));
      assert.equal(body.errcode, 'M_FORBIDDEN');
      assert.match(String(body.error), /issued for (another service .*|no named audience); ask the issuer for a credential for watan-dev/);
    }
    const forWatan = await present(await credentialSignedBy(privateKey, 'k1', { iss: ISSUER, aud: 'watan-dev' }), POLICY_FRAME);
    const { status, body } = await registerWith(node.url, forWatan);
    assert.equal(status, 200, JSON.stringify(body));
  });
});
