/**
 * Issue 11 B7: what Node's HTTP parser refuses before any route runs — Content-Length beside
 * Transfer-Encoding, a length that is not a number, headers over 16 KiB — is answered like
 * everything else, as JSON with a Matrix `errcode`; and a client that hangs up in the middle
 * of an upload is logged as that (info), never as a failure of the node (error).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Account, type MessengerNode, startMessengerNode } from '../fixtures/messenger-node.ts';
import { answerOf, openSocket, rawRequest } from '../fixtures/raw-http.ts';

const logLines: string[] = [];
let server: MessengerNode;
let alice: Account;

before(async () => {
  server = await startMessengerNode('framing', { logLines });
  alice = await server.register('alice');
});
after(async () => {
  await server.close();
});

const CASES: [string, string, number, string][] = [
  [
    'Content-Length beside Transfer-Encoding',
    'POST /_matrix/client/v3/login HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    400,
    'M_UNKNOWN',
  ],
  [
    'a Content-Length that is not a number',
    'POST /_matrix/client/v3/login HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
    400,
    'M_UNKNOWN',
  ],
  [
    'two different Content-Lengths',
    'POST /_matrix/client/v3/login HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}',
    400,
    'M_UNKNOWN',
  ],
  ['headers over 16 KiB', `GET /_watan/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(17_000)}\r\n\r\n`, 431, 'M_TOO_LARGE'],
  ['a request line that is not HTTP', 'HELLO THERE\r\n\r\n', 400, 'M_UNKNOWN'],
];

for (const [name, text, status, errcode] of CASES) {
  test(`${name} answers ${status} with a JSON Matrix error`, async () => {
    const answer = await rawRequest(server.node.url, text);
    assert.equal(answer.status, status, JSON.stringify(answer));
    const body = answer.body as { errcode?: string; error?: string };
    assert.equal(body.errcode, errcode, JSON.stringify(answer));
    assert.ok(typeof body.error === 'string' && body.error.length > 0);
  });
}

test('a client that hangs up in the middle of an upload is logged at info, not as a failure', async () => {
  const socket = await openSocket(server.node.url);
  const closed = answerOf(socket);
  socket.write(
    `POST /_matrix/media/v3/upload HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${alice.token}\r\nContent-Type: image/png\r\nContent-Length: 100000\r\n\r\n`,
  );
  socket.write(Buffer.alloc(5_000, 1));
  // The upload has begun once the node has logged the request; then the client goes away.
  const upload = await logged((line) => line.req?.path === '/_matrix/media/v3/upload');
  socket.destroy();
  await closed;
  // The node's verdict on that request, whichever it is, is the next line it logs for it.
  await logged((line) => line.reqId === upload.reqId && line.msg !== upload.msg);
  const lines = logLines.map((line) => JSON.parse(line) as LogLine);
  assert.deepEqual(
    lines.filter((line) => line.level >= 50),
    [],
    'nothing was logged as a failure',
  );
  assert.ok(
    lines.some((line) => line.level === 30 && /closed the connection/.test(line.msg)),
    'the hang-up is logged for what it is',
  );
});

interface LogLine {
  level: number;
  msg: string;
  reqId?: string;
  req?: { path?: string };
}

/** The first log line that `match` accepts, once the node has written it. */
async function logged(match: (line: LogLine) => boolean): Promise<LogLine> {
  for (;;) {
    const found = logLines.map((line) => JSON.parse(line) as LogLine).find(match);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
