/**
 * The web's static files (one stylesheet, one small script), read once at start and served
 * under a name that carries their content hash, so browsers may keep them for a year.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { sendCompressible } from './compression.ts';

interface StaticFile {
  url: string;
  type: string;
  bytes: Buffer;
  gzipped: Buffer;
}

function staticFile(name: string, type: string): StaticFile {
  const bytes = readFileSync(new URL(`./static/${name}`, import.meta.url));
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
  const dot = name.lastIndexOf('.');
  return { url: `/web/static/${name.slice(0, dot)}.${hash}${name.slice(dot)}`, type, bytes, gzipped: gzipSync(bytes, { level: 9 }) };
}

const stylesheet = staticFile('watan.css', 'text/css; charset=utf-8');
const script = staticFile('watan.js', 'text/javascript; charset=utf-8');

/** Where pages link the stylesheet. */
export const STYLESHEET_URL = stylesheet.url;
/** Where pages link the script (progressive enhancement only: every page works without it). */
export const SCRIPT_URL = script.url;

export function registerStaticFiles(scope: FastifyInstance): void {
  for (const file of [stylesheet, script]) {
    scope.get(file.url, async (_request, reply) =>
      sendCompressible(
        reply
          .header('content-type', file.type)
          .header('cache-control', 'public, max-age=31536000, immutable')
          .header('x-content-type-options', 'nosniff'),
        file.bytes,
        file.gzipped,
      ),
    );
  }
}
