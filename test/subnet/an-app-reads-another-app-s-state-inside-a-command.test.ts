import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Type } from 'typebox';
import { AppError, coreApps, defineApp, method, Subnet } from '../../src/subnet/index.ts';

/** An app that may write a note only under a key the kv app already holds. */
const notesApp = defineApp({
  name: 'notes',
  tables: [{ name: 'notes', columns: { key: 'text', text: 'text' }, primaryKey: ['key'] }],
  methods: {
    write: method(Type.Object({ key: Type.String(), text: Type.String() }), (ctx, args) => {
      const entry = ctx.query('kv', 'get', { key: args.key });
      if (entry === null || entry === undefined) throw new AppError('NO_SUCH_KEY', `kv holds no ${args.key}`);
      ctx.store.put('notes', { key: args.key, text: args.text });
      return entry as never;
    }),
    sneak: method(Type.Object({}), (ctx) => ctx.query('kv', 'put', { key: 'x', value: 'y' }) as never),
  },
  queries: {},
});

const dir = mkdtempSync(join(tmpdir(), 'watan-cross-app-'));
let subnet: Subnet;
before(async () => {
  subnet = await Subnet.open({ dataDir: dir, apps: [...coreApps, notesApp] });
});
after(async () => {
  await subnet.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a method reads another app’s query against the state its command sees', async () => {
  const refused = await subnet.submit({ app: 'notes', method: 'write', args: { key: 'k', text: 'first' }, caller: 'test' });
  assert.equal(!refused.ok && refused.error.code, 'NO_SUCH_KEY');
  // Both in one block: the second command sees the first one's write.
  const [put, written] = await Promise.all([
    subnet.submit({ app: 'kv', method: 'put', args: { key: 'k', value: 'v' }, caller: 'test' }),
    subnet.submit({ app: 'notes', method: 'write', args: { key: 'k', text: 'second' }, caller: 'test' }),
  ]);
  assert.equal(put.ok, true);
  assert.equal(written.ok, true, JSON.stringify(written));
});

test('a method cannot reach another app’s methods through a query', async () => {
  const result = await subnet.submit({ app: 'notes', method: 'sneak', args: {}, caller: 'test' });
  assert.equal(!result.ok && result.error.code, 'UNKNOWN_QUERY');
});
