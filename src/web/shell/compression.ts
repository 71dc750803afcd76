/**
 * Pages and static files go gzipped to browsers that take it: on a slow phone network the
 * bytes are the wait. Pages are small (a few KB), so compressing in line costs well under a
 * millisecond; static files are compressed once at start.
 */
import { gzipSync } from 'node:zlib';
import type { FastifyReply } from 'fastify';

/** Below this a reply goes as it is: gzip's own overhead would eat the saving. */
const WORTH_COMPRESSING = 1024;

export function acceptsGzip(reply: FastifyReply): boolean {
  return /\bgzip\b/.test(String(reply.request.headers['accept-encoding'] ?? ''));
}

/** Sends `body`, gzipped when the browser takes it and it is worth it (`gzipped` when already at hand). */
export function sendCompressible(reply: FastifyReply, body: Buffer, gzipped?: Buffer): FastifyReply {
  reply.header('vary', 'accept-encoding');
  if (body.length < WORTH_COMPRESSING || !acceptsGzip(reply)) return reply.send(body);
  return reply.header('content-encoding', 'gzip').send(gzipped ?? gzipSync(body));
}
