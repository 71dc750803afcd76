import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { MatrixClient } from 'matrix-js-sdk';
import { type RunningWatan, startWatan } from '../cli/run-watan.ts';
import { errcodeOf, registeredClient } from '../fixtures/matrix-clients.ts';
import { checkResponsesAgainstSpec } from '../fixtures/spec-conformance.ts';

checkResponsesAgainstSpec();

const LIMIT = 64 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'watan-media-'));
let node: RunningWatan;
let amna: MatrixClient;

before(async () => {
  node = await startWatan(['--dev', '--data', dir, '--port', '0', '--auth-rate-limit', '1000', '--max-upload-size', String(LIMIT)]);
  amna = await registeredClient(node.url, 'amna');
});
after(async () => {
  await node.kill();
  rmSync(dir, { recursive: true, force: true });
});

/** Every file under the media folder except the temp folder, by name. */
function storedFiles(): string[] {
  return readdirSync(join(dir, 'media'), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && !entry.parentPath.endsWith('tmp'))
    .map((entry) => entry.name);
}

function download(client: MatrixClient, mxc: string, fileName?: string): Promise<Response> {
  const url = client.mxcUrlToHttp(mxc, undefined, undefined, undefined, false, false, true);
  assert.ok(url, `the SDK builds no URL for ${mxc}`);
  const target = new URL(url);
  if (fileName) target.pathname += `/${encodeURIComponent(fileName)}`;
  return fetch(target, { headers: { authorization: `Bearer ${client.getAccessToken()}` } });
}

async function errorOf(response: Response): Promise<[number, string]> {
  return [response.status, ((await response.json()) as { errcode: string }).errcode];
}

test('an upload made with matrix-js-sdk downloads with the same bytes, type and file name', async () => {
  const bytes = Buffer.from('%PDF-1.7 not really a pdf, but bytes all the same \u0000\u00ff');
  const { content_uri } = await amna.uploadContent(bytes, { name: 'War and Peace.pdf', type: 'application/pdf' });
  assert.match(content_uri, /^mxc:\/\/localhost\/[A-Za-z0-9_-]{24}$/);
  const response = await download(amna, content_uri);
  assert.equal(response.status, 200);
  assert.deepEqual(Buffer.from(await response.arrayBuffer()), bytes);
  assert.equal(response.headers.get('content-type'), 'application/pdf');
  // PDF is not on the specification's inline list, so it is served as an attachment.
  assert.equal(response.headers.get('content-disposition'), 'attachment; filename="War and Peace.pdf"');
  assert.match(response.headers.get('content-security-policy') ?? '', /^sandbox; default-src 'none'; script-src 'none';/);
  assert.equal(response.headers.get('cross-origin-resource-policy'), 'cross-origin');
});

test('safe types are served inline, and a file name in the path replaces the uploaded one', async () => {
  const { content_uri } = await amna.uploadContent(Buffer.from('hello'), { name: 'note.txt', type: 'text/plain' });
  const plain = await download(amna, content_uri);
  assert.equal(plain.headers.get('content-disposition'), 'inline; filename="note.txt"');
  const renamed = await download(amna, content_uri, 'çay.txt');
  assert.equal(renamed.headers.get('content-disposition'), "inline; filename*=UTF-8''%C3%A7ay.txt");
  assert.equal(await renamed.text(), 'hello');
  const { content_uri: page } = await amna.uploadContent(Buffer.from('<script>alert(1)</script>'), { name: 'x.html', type: 'text/html' });
  assert.equal((await download(amna, page)).headers.get('content-disposition'), 'attachment; filename="x.html"');
});

test('an upload without a name has none in its disposition, and one without a type is application/octet-stream', async () => {
  const response = await fetch(`${node.url}/_matrix/media/v3/upload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${amna.getAccessToken()}` },
    body: new Uint8Array([1, 2, 3]),
  });
  assert.equal(response.status, 200);
  const { content_uri } = (await response.json()) as { content_uri: string };
  const fetched = await download(amna, content_uri);
  assert.equal(fetched.headers.get('content-type'), 'application/octet-stream');
  assert.equal(fetched.headers.get('content-disposition'), 'attachment');
});

test('the same bytes uploaded twice, by two people, are stored once under their SHA-256', async () => {
  const bilal = await registeredClient(node.url, 'bilal');
  const bytes = Buffer.from(`same bytes ${'x'.repeat(1000)}`);
  const first = await amna.uploadContent(bytes, { name: 'a.bin', type: 'application/octet-stream' });
  const second = await bilal.uploadContent(bytes, { name: 'b.bin', type: 'image/png' });
  assert.notEqual(first.content_uri, second.content_uri);
  const sha256 = (await import('node:crypto')).createHash('sha256').update(bytes).digest('hex');
  assert.equal(storedFiles().filter((name) => name === sha256).length, 1);
  // Each id keeps the type and name it was uploaded with.
  assert.equal((await download(bilal, second.content_uri)).headers.get('content-type'), 'image/png');
  assert.equal((await download(amna, first.content_uri)).headers.get('content-disposition'), 'attachment; filename="a.bin"');
});

test('an upload over --max-upload-size is refused with 413 M_TOO_LARGE and leaves nothing on disk', async () => {
  const before = storedFiles().length;
  const tooLarge = Buffer.alloc(LIMIT + 1, 7);
  assert.equal(await errcodeOf(amna.uploadContent(tooLarge, { type: 'application/octet-stream' })), 'M_TOO_LARGE');
  // Without a declared length the limit is found while reading.
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent > LIMIT) return controller.close();
      sent += 16 * 1024;
      controller.enqueue(new Uint8Array(16 * 1024));
    },
  });
  const response = await fetch(`${node.url}/_matrix/media/v3/upload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${amna.getAccessToken()}` },
    body: stream,
    duplex: 'half',
  } as RequestInit);
  // The rest of the body is not read: the server closes the connection once it has answered.
  assert.equal(response.headers.get('connection'), 'close');
  assert.deepEqual(await errorOf(response), [413, 'M_TOO_LARGE']);
  assert.equal(storedFiles().length, before);
  assert.deepEqual(readdirSync(join(dir, 'media', 'tmp')), []);
  const exactly = await amna.uploadContent(Buffer.alloc(LIMIT, 8), { type: 'application/octet-stream' });
  assert.match(exactly.content_uri, /^mxc:\/\//);
});

test('the configuration reports the upload limit, to signed-in users only', async () => {
  const config = await fetch(`${node.url}/_matrix/client/v1/media/config`, {
    headers: { authorization: `Bearer ${amna.getAccessToken()}` },
  });
  assert.deepEqual(await config.json(), { 'm.upload.size': LIMIT });
  assert.deepEqual(await errorOf(await fetch(`${node.url}/_matrix/client/v1/media/config`)), [401, 'M_MISSING_TOKEN']);
});

test('media needs an access token, and unknown or foreign ids are not found', async () => {
  const { content_uri } = await amna.uploadContent(Buffer.from('secret-ish'), { type: 'text/plain' });
  const mediaId = content_uri.split('/').pop();
  const base = `${node.url}/_matrix/client/v1/media`;
  assert.deepEqual(await errorOf(await fetch(`${base}/download/localhost/${mediaId}`)), [401, 'M_MISSING_TOKEN']);
  assert.deepEqual(await errorOf(await fetch(`${base}/thumbnail/localhost/${mediaId}?width=32&height=32`)), [401, 'M_MISSING_TOKEN']);
  const upload = await fetch(`${node.url}/_matrix/media/v3/upload`, {
    method: 'POST',
    body: 'x',
    headers: { 'content-type': 'text/plain' },
  });
  assert.deepEqual(await errorOf(upload), [401, 'M_MISSING_TOKEN']);
  const signedIn = { headers: { authorization: `Bearer ${amna.getAccessToken()}` } };
  assert.deepEqual(await errorOf(await fetch(`${base}/download/localhost/AAAAAAAAAAAAAAAAAAAAAAAA`, signedIn)), [404, 'M_NOT_FOUND']);
  assert.deepEqual(await errorOf(await fetch(`${base}/download/elsewhere.example/${mediaId}`, signedIn)), [404, 'M_NOT_FOUND']);
  assert.deepEqual(await errorOf(await fetch(`${base}/download/localhost/..%2F..%2Fstate.sqlite`, signedIn)), [404, 'M_NOT_FOUND']);
  // The unauthenticated endpoints are frozen (Matrix 1.11): everything here was uploaded after.
  const legacy = `${node.url}/_matrix/media/v3/download/localhost/${mediaId}`;
  assert.deepEqual(await errorOf(await fetch(legacy, signedIn)), [404, 'M_NOT_FOUND']);
  assert.deepEqual(await errorOf(await fetch(`${node.url}/_matrix/media/v3/thumbnail/localhost/${mediaId}`, signedIn)), [
    404,
    'M_NOT_FOUND',
  ]);
});

test('an upload whose Content-Type is not a media type is refused with 400', async () => {
  const response = await fetch(`${node.url}/_matrix/media/v3/upload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${amna.getAccessToken()}`, 'content-type': 'not a type' },
    body: 'x',
  });
  assert.deepEqual(await errorOf(response), [400, 'M_INVALID_PARAM']);
});

test('other endpoints still refuse bodies that are not JSON', async () => {
  const response = await fetch(`${node.url}/_matrix/client/v3/user/${encodeURIComponent(amna.getUserId() ?? '')}/filter`, {
    method: 'POST',
    headers: { authorization: `Bearer ${amna.getAccessToken()}`, 'content-type': 'application/octet-stream' },
    body: 'x',
  });
  assert.deepEqual(await errorOf(response), [400, 'M_NOT_JSON']);
});
