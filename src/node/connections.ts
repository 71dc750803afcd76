import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';

/**
 * What one client may hold of the node's connections, and for how long a request may take to
 * arrive. A slow body or an idle socket costs the node a file descriptor; without bounds a
 * few thousand of them exhaust the process's file limit and nobody can connect.
 */
export interface ConnectionLimits {
  /** Open connections in all (lowered to fit the process's file limit). */
  total: number;
  /** Open connections from one remote address. */
  perAddress: number;
  /** Time from connecting (or from the previous request) to the end of a request's headers. */
  headersTimeoutMs: number;
  /** Time to receive a whole request, headers and body: long enough for a large upload on a slow link. */
  requestTimeoutMs: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  total: 10_000,
  // Generous: carriers put many people behind one address (CGNAT), each holding a sync.
  perAddress: 500,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 120_000,
};

/** File descriptors kept for the databases, the log, media files and the identity provider. */
const RESERVED_FILES = 256;

/** A refusal written to a socket before (or instead of) its request: a complete HTTP answer. */
function rawAnswer(status: number, reason: string, body: Record<string, unknown>): string {
  const json = JSON.stringify(body);
  return `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`;
}

/**
 * Applies the limits to the node's HTTP server. Over the total, the oldest connection that
 * has no request in flight (an idle keep-alive or a socket that never sent one) is closed to
 * make room, so a flood of idle sockets cannot keep out a person signing in; only when every
 * connection is busy is the new one refused. Over the per-address limit the new connection is
 * refused with 429 M_LIMIT_EXCEEDED.
 */
export function limitConnections(server: Server, limits: ConnectionLimits, log: FastifyBaseLogger): void {
  const total = Math.min(limits.total, fileLimitHeadroom() ?? limits.total);
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  // How often Node looks for requests past those timeouts (by default every 30 s, which
  // would let a slow body live half a minute longer than allowed).
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.min(1000, limits.headersTimeoutMs);
  const perAddress = new Map<string, number>();
  const open = new Set<Socket>();
  /** Sockets with no request in flight, oldest first (a Set keeps insertion order). */
  const idle = new Set<Socket>();
  const busy = new Map<Socket, number>();

  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    const fromAddress = (perAddress.get(address) ?? 0) + 1;
    if (fromAddress > limits.perAddress) {
      refuse(socket, 429, 'Too Many Requests', `too many connections from your address (at most ${limits.perAddress}); close some`);
      return;
    }
    if (open.size >= total && !evictIdle()) {
      refuse(socket, 503, 'Service Unavailable', 'the server is at its connection limit; try again shortly');
      return;
    }
    perAddress.set(address, fromAddress);
    open.add(socket);
    idle.add(socket);
    socket.once('close', () => {
      open.delete(socket);
      idle.delete(socket);
      busy.delete(socket);
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left === 0) perAddress.delete(address);
      else perAddress.set(address, left);
    });
  });
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const socket = request.socket;
    if (!open.has(socket)) return;
    idle.delete(socket);
    busy.set(socket, (busy.get(socket) ?? 0) + 1);
    response.once('close', () => {
      const left = (busy.get(socket) ?? 1) - 1;
      if (left > 0) return void busy.set(socket, left);
      busy.delete(socket);
      if (open.has(socket)) idle.add(socket);
    });
  });

  function evictIdle(): boolean {
    const oldest = idle.values().next().value;
    if (oldest === undefined) return false;
    idle.delete(oldest);
    oldest.destroy();
    return true;
  }

  function refuse(socket: Socket, status: number, reason: string, message: string): void {
    log.info({ address: socket.remoteAddress, status }, 'connection refused: over the connection limit');
    socket.on('error', () => {});
    socket.end(rawAnswer(status, reason, { errcode: 'M_LIMIT_EXCEEDED', error: message }));
    socket.destroySoon();
  }
}

/**
 * Answers what Node's HTTP parser refuses before any route runs — a request that took too long,
 * headers over the size limit, malformed framing (Content-Length beside Transfer-Encoding, a
 * length that is not a number) — as the API answers everything: JSON with an `errcode`. The
 * client's mistake is logged at debug level, not as a failure of the node.
 */
export function answerClientError(log: FastifyBaseLogger) {
  return (error: NodeJS.ErrnoException, socket: Socket): void => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const [status, reason, errcode, message] = describeClientError(error);
    log.debug({ code: error.code, status }, `client error: ${message}`);
    if (socket.writable) socket.write(rawAnswer(status, reason, { errcode, error: message }));
    socket.destroy();
  };
}

function describeClientError(error: NodeJS.ErrnoException): [number, string, string, string] {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [408, 'Request Timeout', 'M_UNKNOWN', 'the request did not arrive in time; send headers and body without pausing'];
    case 'HPE_HEADER_OVERFLOW':
      return [431, 'Request Header Fields Too Large', 'M_TOO_LARGE', 'the request headers exceed 16 KiB'];
    case 'HPE_INVALID_TRANSFER_ENCODING':
      return [
        400,
        'Bad Request',
        'M_UNKNOWN',
        'malformed HTTP request: Transfer-Encoding must be chunked, and never beside Content-Length',
      ];
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return [400, 'Bad Request', 'M_UNKNOWN', 'malformed HTTP request: send Content-Length or Transfer-Encoding, not both'];
    case 'HPE_INVALID_CONTENT_LENGTH':
      return [400, 'Bad Request', 'M_UNKNOWN', 'malformed HTTP request: Content-Length must be one decimal number'];
    default:
      return [400, 'Bad Request', 'M_UNKNOWN', `malformed HTTP request (${error.code ?? 'unparseable'})`];
  }
}

/** Connections the process can open before it runs out of file descriptors, where the OS says (Linux). */
function fileLimitHeadroom(): number | undefined {
  try {
    const line = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1];
    if (line === undefined || line === 'unlimited') return undefined;
    return Math.max(64, Number(line) - RESERVED_FILES);
  } catch {
    return undefined;
  }
}
