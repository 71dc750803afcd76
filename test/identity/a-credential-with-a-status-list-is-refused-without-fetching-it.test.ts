/**
 * The SD-JWT VC library would fetch the status list a credential names: a request from the
 * node to any URL an issuer-signed claim holds. Watan fetches nothing; status lists are not
 * supported yet, so such a credential is refused, at once, saying so.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type RunningWatan, startWatan } from '../cli/run-watan.ts';
import { credentialSignedBy, POLICY_FRAME, present, registerWith } from './credentials.ts';

const ISSUER = 'https://issuer.test.invalid';
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });

describe('a credential with a status list is refused without fetching it', { timeout: 120_000 }, () => {
  let root: string;
  let node: RunningWatan;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'watan-vc-status-'));
    const issuersFile = join(root, 'issuers.json');
    const keys = [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1' }];
    await writeFile(issuersFile, JSON.stringify({ issuers: [{ issuer: ISSUER, keys, audience: 'watan-dev' }] }));
    node = await startWatan(['--dev', '--data', join(root, 'node'), '--port', '0', '--trusted-issuers-file', issuersFile]);
  });
  after(async () => {
    await node?.kill();
    await rm(root, { recursive: true, force: true });
  });

  test('a status list at an unroutable address: refused quickly, with the reason', async () => {
    // 10.255.255.1 answers nothing: a fetch would hang until the library's timeout.
    const status = { status_list: { idx: 0, uri: 'http://10.255.255.1/status-lists/1' } };
    const credential = await credentialSignedBy(privateKey, 'k1', { iss: ISSUER, aud: 'watan-dev', status });
    const started = performance.now();
    const { status: code, body } = await registerWith(node.url, await present(credential, POLICY_FRAME));
    const took = performance.now() - started;
    assert.equal(code, 403, JSON.stringify(body));
    assert.equal(body.errcode, 'M_FORBIDDEN');
    assert.match(String(body.error), /status list .* not supported yet/);
    assert.ok(took < 2000, `refused in ${Math.round(took)} ms, without waiting on the network`);
  });
});
