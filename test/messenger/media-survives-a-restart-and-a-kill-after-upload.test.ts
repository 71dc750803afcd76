import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type RunningWatan, startWatan } from '../cli/run-watan.ts';
import { registeredClient } from '../fixtures/matrix-clients.ts';
import { checkResponsesAgainstSpec } from '../fixtures/spec-conformance.ts';

checkResponsesAgainstSpec();

const dir = mkdtempSync(join(tmpdir(), 'watan-media-restart-'));
const nodes: RunningWatan[] = [];
const start = async () => {
  const node = await startWatan(['--dev', '--data', dir, '--port', '0']);
  nodes.push(node);
  return node;
};
after(async () => {
  for (const node of nodes) await node.kill();
  rmSync(dir, { recursive: true, force: true });
});

async function fetchMedia(baseUrl: string, accessToken: string, mxc: string): Promise<Response> {
  return fetch(`${baseUrl}/_matrix/client/v1/media/download/${mxc.slice('mxc://'.length)}`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
}

test('media acknowledged before a kill -9 downloads after the restart, bytes and type intact', async () => {
  const first = await start();
  const client = await registeredClient(first.url, 'amna');
  const accessToken = client.getAccessToken() as string;
  const bytes = randomBytes(300_000);
  const { content_uri } = await client.uploadContent(bytes, { name: 'photo.webp', type: 'image/webp' });
  // No clean shutdown: the process is killed the moment the upload was acknowledged.
  await first.kill();

  const second = await start();
  const response = await fetchMedia(second.url, accessToken, content_uri);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'image/webp');
  assert.equal(response.headers.get('content-disposition'), 'inline; filename="photo.webp"');
  assert.deepEqual(Buffer.from(await response.arrayBuffer()), bytes);
  await second.stop('SIGTERM');
});

test('the media folder is not writable by other users', () => {
  const mode = statSync(join(dir, 'media')).mode & 0o777;
  assert.equal(mode & 0o002, 0, `media folder mode ${mode.toString(8)}`);
});
