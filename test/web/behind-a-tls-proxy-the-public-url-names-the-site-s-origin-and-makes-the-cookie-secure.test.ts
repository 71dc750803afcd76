/**
 * A node behind a TLS-terminating proxy sees plain http, while browsers speak https to the
 * proxy. Configured with the URL browsers use (`--public-url`), the web accepts forms from that
 * origin only, and the session cookie it sets is Secure.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runWatan } from '../cli/run-watan.ts';
import { type MessengerNode, PASSWORD, startMessengerNode } from '../fixtures/messenger-node.ts';

const PUBLIC_URL = 'https://chat.example.gov.pk';
let m: MessengerNode;

before(async () => {
  m = await startMessengerNode('web-public-url', { publicUrl: PUBLIC_URL });
  await m.register('amina');
});

after(async () => {
  await m?.close();
});

function signIn(origin: string): Promise<Response> {
  return fetch(`${m.node.url}/sign-in`, {
    method: 'POST',
    // What the proxy forwards: the browser's Origin, the node's own address as Host.
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
    body: new URLSearchParams({ username: 'amina', password: PASSWORD }).toString(),
    redirect: 'manual',
  });
}

test('a form posted from the public https origin is taken, and its session cookie is Secure', async () => {
  const answer = await signIn(PUBLIC_URL);
  assert.equal(answer.status, 303);
  const cookie = answer.headers.getSetCookie().find((line) => line.startsWith('watan_session='));
  assert.ok(cookie, 'the session cookie is set');
  assert.match(cookie, /; Secure(;|$)/);
  assert.match(cookie, /; HttpOnly(;|$)/);
  assert.match(cookie, /; SameSite=Strict(;|$)/);
});

test('a form posted with the origin the node itself sees (plain http, its own address) is refused', async () => {
  const answer = await signIn(m.node.url);
  assert.equal(answer.status, 403);
  assert.equal(
    answer.headers.getSetCookie().some((line) => line.startsWith('watan_session=')),
    false,
  );
});

test('without a public URL the node judges by what it sees, and an http cookie is not Secure', async () => {
  const plain = await startMessengerNode('web-no-public-url');
  try {
    await plain.register('amina');
    const answer = await fetch(`${plain.node.url}/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: plain.node.url },
      body: new URLSearchParams({ username: 'amina', password: PASSWORD }).toString(),
      redirect: 'manual',
    });
    assert.equal(answer.status, 303);
    const cookie = answer.headers.getSetCookie().find((line) => line.startsWith('watan_session='));
    assert.ok(cookie);
    assert.doesNotMatch(cookie, /Secure/);
  } finally {
    await plain.close();
  }
});

test('watan start refuses a --public-url that is not an absolute http(s) URL, before touching its folder', async () => {
  const root = mkdtempSync(join(tmpdir(), 'watan-bad-public-url-'));
  try {
    const data = join(root, 'data');
    for (const value of ['chat.example.gov.pk', 'ftp://chat.example.gov.pk']) {
      const refused = await runWatan(['start', '--data', data, '--port', '0', '--public-url', value]);
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(refused.stderr, /--public-url must be an absolute http\(s\) URL/);
    }
    assert.equal(existsSync(data), false, 'the data folder was not created');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
