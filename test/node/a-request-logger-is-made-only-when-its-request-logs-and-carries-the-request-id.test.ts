import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Logger } from 'pino';
import { createLogger, RequestLogger } from '../../src/node/logger.ts';

/** A logger at `level` that keeps its lines, and counts the children made of it. */
function countingLogger(level: string): { logger: Logger; lines: Record<string, unknown>[]; children: () => number } {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level, destination: { write: (line: string) => lines.push(JSON.parse(line)) } });
  let made = 0;
  const child = logger.child.bind(logger);
  logger.child = ((...args: Parameters<Logger['child']>) => {
    made += 1;
    return child(...args);
  }) as Logger['child'];
  return { logger, lines, children: () => made };
}

test('a request that logs nothing at an enabled level makes no child logger', () => {
  const { logger, lines, children } = countingLogger('warn');
  const log = new RequestLogger(logger, { reqId: 'req-1' });
  log.info({ detail: 1 }, 'below the level');
  log.debug('below the level');
  assert.equal(children(), 0);
  assert.equal(lines.length, 0);
  assert.equal(log.level, 'warn');
  assert.equal(log.isLevelEnabled('info'), false);
});

test('the first line at an enabled level makes the child once, and every line carries the request id', () => {
  const { logger, lines, children } = countingLogger('info');
  const log = new RequestLogger(logger, { reqId: 'req-2' });
  log.info('incoming request');
  log.warn({ body: { token: 'secret-token' } }, 'something to say');
  assert.equal(children(), 1);
  assert.deepEqual(
    lines.map((line) => [line.reqId, line.msg]),
    [
      ['req-2', 'incoming request'],
      ['req-2', 'something to say'],
    ],
  );
  assert.deepEqual(lines[1]?.body, { token: '[redacted]' }, 'the child keeps the parent’s redaction');
});

test('a route’s own level decides, above or below the node’s', () => {
  const { logger, lines } = countingLogger('info');
  const quieter = new RequestLogger(logger, { reqId: 'req-3' }, { level: 'error' });
  quieter.warn('not at this route’s level');
  const louder = new RequestLogger(logger, { reqId: 'req-4' }, { level: 'debug' });
  louder.debug('at this route’s level');
  assert.deepEqual(
    lines.map((line) => [line.reqId, line.msg]),
    [['req-4', 'at this route’s level']],
  );
  assert.equal(quieter.level, 'error');
});
