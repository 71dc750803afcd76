/**
 * Media bytes are uploaded to one replica; the media's SHA-256 and size are in the replicated
 * state. Another replica asked for them fetches them from a peer (a signed request, answered
 * only for a registry member), checks them against the hash, keeps them, then serves them. A
 * peer whose copy was altered on its disk is refused, and nothing of it is kept.
 */
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RunningNode } from '../../src/node/index.ts';
import { peerRequestHeaders } from '../../src/node/peers/index.ts';
import type { SigningKey } from '../../src/subnet/index.ts';
import { type MessengerReplicas, startMessengerReplicas } from '../fixtures/messenger-replicas.ts';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const mediaPath = (node: RunningNode, hash: string) => join(node.subnet.dataDir, 'media', hash.slice(0, 2), hash);

async function upload(node: RunningNode, token: string, bytes: Uint8Array): Promise<string> {
  const response = await fetch(`${node.url}/_matrix/media/v3/upload?filename=photo.png`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'image/png' },
    body: bytes,
  });
  assert.equal(response.status, 200, await response.clone().text());
  return ((await response.json()) as { content_uri: string }).content_uri;
}

function download(node: RunningNode, token: string, contentUri: string): Promise<Response> {
  return fetch(`${node.url}/_matrix/client/v1/media/download/${contentUri.slice('mxc://'.length)}`, {
    headers: { authorization: `Bearer ${token}` },
  });
}

describe('media uploaded on one replica downloads on another, and a tampered copy is refused', { timeout: 120_000 }, () => {
  let replicas: MessengerReplicas;
  let a: RunningNode;
  let b: RunningNode;
  let token: string;

  before(async () => {
    replicas = await startMessengerReplicas('media-replicas', 2);
    [a, b] = replicas.nodes as [RunningNode, RunningNode];
    token = (await replicas.register(a, 'alice')).access_token;
  });
  after(() => replicas?.close());

  test('bytes uploaded on A are served on B, identical, and kept on B once checked', async () => {
    const bytes = new Uint8Array(300_000).map((_, i) => (i * 31) % 251);
    const contentUri = await upload(a, token, bytes);
    await replicas.settle();
    assert.equal(existsSync(mediaPath(b, sha256(bytes))), false, 'B holds no copy before it is asked');
    const served = await download(b, token, contentUri);
    assert.equal(served.status, 200, await served.clone().text());
    assert.equal(served.headers.get('content-type'), 'image/png');
    assert.deepEqual(new Uint8Array(await served.arrayBuffer()), bytes);
    assert.equal(existsSync(mediaPath(b, sha256(bytes))), true, 'B keeps the checked copy');
  });

  test('a peer whose copy was altered on its disk is refused, and B keeps nothing of it', async () => {
    const bytes = new TextEncoder().encode('the original bytes of a voice note');
    const contentUri = await upload(a, token, bytes);
    await replicas.settle();
    const hash = sha256(bytes);
    writeFileSync(mediaPath(a, hash), new TextEncoder().encode('THE ALTERED bytes of a voice note'));
    const served = await download(b, token, contentUri);
    assert.equal(served.status, 404);
    const body = (await served.json()) as { errcode: string; error: string };
    assert.equal(body.errcode, 'M_NOT_FOUND');
    assert.match(body.error, /no other replica that answered holds bytes matching their SHA-256/);
    assert.equal(existsSync(mediaPath(b, hash)), false);
    const temp = join(b.subnet.dataDir, 'media', 'tmp');
    assert.deepEqual(existsSync(temp) ? readdirSync(temp) : [], [], 'no half-kept copy is left behind');
  });

  test("the peer endpoint answers only a member replica's request signed for it", async () => {
    const bytes = new TextEncoder().encode('bytes only replicas may fetch from each other');
    await upload(a, token, bytes);
    const path = `/_watan/v1/replicas/media/${sha256(bytes)}`;
    const unsigned = await fetch(`${a.url}${path}`);
    assert.equal(unsigned.status, 401);
    assert.match(((await unsigned.json()) as { error: string }).error, /for the subnet's replicas: sign the request/);
    const stranger = signingKey();
    const fromStranger = await fetch(`${a.url}${path}`, {
      headers: peerRequestHeaders(stranger, a.subnet.subnetId, a.subnet.nodeKey.id, { method: 'GET', path }),
    });
    assert.equal(fromStranger.status, 403);
    assert.match(((await fromStranger.json()) as { error: string }).error, /is not a member of subnet/);
    // B's key, but a request signed for another path: not this one.
    const replayed = peerRequestHeaders(b.subnet.nodeKey, a.subnet.subnetId, a.subnet.nodeKey.id, { method: 'GET', path: `${path}x` });
    const misused = await fetch(`${a.url}${path}`, { headers: replayed });
    assert.equal(misused.status, 401);
    const member = peerRequestHeaders(b.subnet.nodeKey, a.subnet.subnetId, a.subnet.nodeKey.id, { method: 'GET', path });
    const fromMember = await fetch(`${a.url}${path}`, { headers: member });
    assert.equal(fromMember.status, 200);
    assert.deepEqual(new Uint8Array(await fromMember.arrayBuffer()), bytes);
  });
});

/** A node key the registry never admitted. */
function signingKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { id: publicKey.export({ format: 'jwk' }).x as string, sign: (message) => sign(null, message, privateKey) };
}
