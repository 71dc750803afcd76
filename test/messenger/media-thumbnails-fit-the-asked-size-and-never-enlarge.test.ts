import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { MatrixClient } from 'matrix-js-sdk';
import sharp from 'sharp';
import { type RunningWatan, startWatan } from '../cli/run-watan.ts';
import { registeredClient } from '../fixtures/matrix-clients.ts';
import { checkResponsesAgainstSpec } from '../fixtures/spec-conformance.ts';

checkResponsesAgainstSpec();

const dir = mkdtempSync(join(tmpdir(), 'watan-thumbnails-'));
let node: RunningWatan;
let client: MatrixClient;

before(async () => {
  node = await startWatan(['--dev', '--data', dir, '--port', '0']);
  client = await registeredClient(node.url, 'amna');
});
after(async () => {
  await node.kill();
  rmSync(dir, { recursive: true, force: true });
});

/** A real picture: a horizontal gradient, so a crop and a scale give different pixels. */
function picture(width: number, height: number): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  for (let i = 0; i < width * height; i++) pixels.writeUInt8(Math.floor(((i % width) / width) * 255), i * 3);
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

async function upload(bytes: Buffer, type: string): Promise<string> {
  return (await client.uploadContent(bytes, { type })).content_uri;
}

function thumbnail(mxc: string, query: string): Promise<Response> {
  const [serverName, mediaId] = mxc.slice('mxc://'.length).split('/');
  return fetch(`${node.url}/_matrix/client/v1/media/thumbnail/${serverName}/${mediaId}?${query}`, {
    headers: { authorization: `Bearer ${client.getAccessToken()}` },
  });
}

async function imageOf(response: Response) {
  assert.equal(response.status, 200, await response.clone().text());
  return sharp(Buffer.from(await response.arrayBuffer())).metadata();
}

test('a crop thumbnail of a PNG is a PNG of exactly the asked size', async () => {
  const mxc = await upload(await picture(640, 480), 'image/png');
  const response = await thumbnail(mxc, 'width=96&height=96&method=crop');
  assert.equal(response.headers.get('content-type'), 'image/png');
  assert.equal(response.headers.get('content-disposition'), 'inline; filename="thumbnail.png"');
  assert.match(response.headers.get('content-security-policy') ?? '', /^sandbox;/);
  const image = await imageOf(response);
  assert.deepEqual([image.format, image.width, image.height], ['png', 96, 96]);
});

test('a scale thumbnail keeps the aspect ratio and fits the asked box', async () => {
  const mxc = await upload(await picture(640, 480), 'image/png');
  const image = await imageOf(await thumbnail(mxc, 'width=320&height=320&method=scale'));
  assert.deepEqual([image.width, image.height], [320, 240]);
  const tall = await imageOf(await thumbnail(mxc, 'width=800&height=120&method=scale'));
  assert.deepEqual([tall.width, tall.height], [160, 120]);
});

test('a thumbnail larger than the picture is the picture itself, never enlarged', async () => {
  const original = await picture(40, 30);
  const mxc = await upload(original, 'image/png');
  const response = await thumbnail(mxc, 'width=320&height=240&method=scale');
  assert.equal(response.status, 200);
  assert.deepEqual(Buffer.from(await response.arrayBuffer()), original);
  const cropped = await imageOf(await thumbnail(mxc, 'width=20&height=60&method=crop'));
  assert.deepEqual([cropped.width, cropped.height], [20, 30]);
});

test('a JPEG photo is thumbnailed as JPEG, and thumbnails are cached beside the original', async () => {
  const jpeg = await sharp(await picture(800, 600))
    .jpeg()
    .toBuffer();
  const mxc = await upload(jpeg, 'image/jpeg');
  const first = await thumbnail(mxc, 'width=32&height=32&method=crop');
  assert.equal(first.headers.get('content-type'), 'image/jpeg');
  const bytes = Buffer.from(await first.arrayBuffer());
  assert.deepEqual(Buffer.from(await (await thumbnail(mxc, 'width=32&height=32&method=crop')).arrayBuffer()), bytes);
  const cached = readdirSync(join(dir, 'media'), { recursive: true }).filter((name) => String(name).endsWith('.32x32.crop.jpeg'));
  assert.equal(cached.length, 1);
});

test('an animated GIF gives an animated WebP only when animation is asked for', async () => {
  const frame = (colour: string) =>
    sharp({ create: { width: 200, height: 100, channels: 4, background: colour } })
      .png()
      .toBuffer();
  const gif = await sharp([await frame('#ff0000'), await frame('#0000ff')], { join: { animated: true } })
    .gif({ delay: [100, 100] })
    .toBuffer();
  const mxc = await upload(gif, 'image/gif');
  const moving = await thumbnail(mxc, 'width=50&height=50&method=scale&animated=true');
  assert.equal(moving.headers.get('content-type'), 'image/webp');
  const animated = await sharp(Buffer.from(await moving.arrayBuffer()), { animated: true }).metadata();
  assert.equal(animated.pages, 2);
  const still = await thumbnail(mxc, 'width=50&height=50&method=scale');
  assert.equal(still.headers.get('content-type'), 'image/png');
  assert.equal((await imageOf(still)).pages ?? 1, 1);
});

test('bad sizes are 400 M_INVALID_PARAM, and what cannot be thumbnailed is 400 M_UNKNOWN', async () => {
  const mxc = await upload(await picture(64, 64), 'image/png');
  for (const query of [
    'width=0&height=32',
    'width=-5&height=32',
    'width=abc&height=32',
    'height=32',
    'width=32&height=32&method=stretch',
  ]) {
    const response = await thumbnail(mxc, query);
    assert.equal(response.status, 400, query);
    assert.equal(((await response.json()) as { errcode: string }).errcode, 'M_INVALID_PARAM', query);
  }
  const text = await upload(Buffer.from('plain words'), 'text/plain');
  const notImage = await thumbnail(text, 'width=32&height=32');
  assert.deepEqual([notImage.status, ((await notImage.json()) as { errcode: string }).errcode], [400, 'M_UNKNOWN']);
  // Claimed to be a PNG, but SVG: never handed to a decoder it was not meant for.
  const svg = await upload(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"/>'), 'image/png');
  const disguised = await thumbnail(svg, 'width=32&height=32');
  assert.deepEqual([disguised.status, ((await disguised.json()) as { errcode: string }).errcode], [400, 'M_UNKNOWN']);
});
