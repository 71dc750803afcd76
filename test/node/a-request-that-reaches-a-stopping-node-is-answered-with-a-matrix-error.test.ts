/**
 * A node that is stopping still answers what reaches it in the API's own shape: a request that
 * arrives on a connection still open while the node drains gets a 503 with a Matrix `errcode`
 * and `Connection: close`, not the web framework's own body, which no Matrix client can read.
 * Seen in the full suite: a client still asking for keys while its node stopped got
 * `{"error":"Service Unavailable","message":"Service Unavailable","statusCode":503}`.
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import { startMessengerNode } from '../fixtures/messenger-node.ts';
import { openSocket } from '../fixtures/raw-http.ts';

interface Answer {
  status: number;
  headers: string;
  body: Record<string, unknown>;
}

/** Every answer the server sends on `socket` until it closes it, in order. */
function answersOf(socket: Socket): Promise<Answer[]> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => {});
    socket.once('close', () => resolve(splitAnswers(Buffer.concat(chunks).toString('utf8'))));
  });
}

function splitAnswers(text: string): Answer[] {
  const answers: Answer[] = [];
  let rest = text;
  while (rest.startsWith('HTTP/1.1 ')) {
    const headEnd = rest.indexOf('\r\n\r\n');
    const headers = rest.slice(0, headEnd);
    const length = Number(/\r\ncontent-length: (\d+)/i.exec(headers)?.[1] ?? 0);
    const body = JSON.parse(rest.slice(headEnd + 4, headEnd + 4 + length)) as Record<string, unknown>;
    answers.push({ status: Number(headers.slice(9, 12)), headers, body });
    rest = rest.slice(headEnd + 4 + length);
  }
  return answers;
}

test('a request that reaches a draining node gets a 503 with a Matrix errcode, and the connection closes', async () => {
  const server = await startMessengerNode('stopping');
  let closing: Promise<void> | undefined;
  try {
    const alice = await server.register('alice');
    const socket = await openSocket(server.node.url);
    const answers = answersOf(socket);
    // A request whose body is still on its way keeps the connection busy while the node starts to stop.
    const body = JSON.stringify({ displayname: 'Alice' });
    socket.write(
      `PUT /_matrix/client/v3/profile/${encodeURIComponent(alice.userId)}/displayname HTTP/1.1\r\nHost: x\r\n` +
        `Authorization: Bearer ${alice.token}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    closing = server.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    // The body ends, and the client's next request follows on the same connection: it reaches a node that is stopping.
    socket.write(
      `${body.slice(5)}GET /_matrix/client/v3/account/whoami HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${alice.token}\r\n\r\n`,
    );
    const [first, next] = await answers;
    assert.equal(first?.status, 200, JSON.stringify(first));
    assert.equal(next?.status, 503, JSON.stringify(next));
    assert.equal(next?.body.errcode, 'M_UNKNOWN');
    assert.match(String(next?.body.error), /stopping/);
    assert.match(next?.headers ?? '', /\r\nconnection: close/i);
  } finally {
    await (closing ?? server.close());
  }
});
