/**
 * Issue 11 B1, the serialising side: every reply is measured without recursion before it is
 * encoded. Content nested deeper than the ingress bound is withheld ({}) and named in a
 * warning; anything else too deep is a typed error. Neither path overflows the stack, however
 * deep the value.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyBaseLogger } from 'fastify';
import { ReplyTooDeepError, withholdTooDeepContent } from '../../src/node/index.ts';

const DEEP = 200_000;

function nested(depth: number): unknown {
  return JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`);
}

function recorder(): { log: FastifyBaseLogger; warnings: Record<string, unknown>[] } {
  const warnings: Record<string, unknown>[] = [];
  const log = { warn: (fields: Record<string, unknown>) => warnings.push(fields) } as unknown as FastifyBaseLogger;
  return { log, warnings };
}

test('an event whose content nests too deep is served with content {} and named in a warning; its neighbours are untouched', () => {
  const { log, warnings } = recorder();
  const reply = {
    chunk: [
      { event_id: '$poison', type: 'm.room.message', content: { deep: nested(DEEP) } },
      { event_id: '$fine', type: 'm.room.message', content: { body: 'hello', deep: nested(90) } },
    ],
  };
  const served = withholdTooDeepContent(reply, log) as typeof reply;
  assert.deepEqual(served.chunk[0]?.content, {});
  assert.equal(served.chunk[1]?.content.body, 'hello');
  assert.doesNotThrow(() => JSON.stringify(served));
  assert.deepEqual(
    warnings.map((warning) => warning.event_id),
    ['$poison'],
  );
});

test('a reply that is one stored content is withheld whole when it nests too deep', () => {
  const { log } = recorder();
  assert.deepEqual(withholdTooDeepContent({ deep: nested(DEEP) }, log, true), {});
  assert.deepEqual(withholdTooDeepContent({ topic: 'fine' }, log, true), { topic: 'fine' });
});

test('anything else nesting too deep is a typed error, not a stack overflow', () => {
  const { log } = recorder();
  assert.throws(() => withholdTooDeepContent({ device_keys: nested(DEEP) }, log), ReplyTooDeepError);
});
