import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import Type from 'typebox';
import { type Command, coreApps, defineApp, Executor, method, query } from '../../src/subnet/index.ts';
import { chainBlocks } from '../fixtures/chain-blocks.ts';

const columns = { id: 'text', body: 'text', n: 'integer' } as const;
const pagesApp = defineApp({
  name: 'pages',
  tables: [
    { name: 'large', columns, primaryKey: ['id'], indexes: [['n']], largeRows: true },
    { name: 'small', columns, primaryKey: ['id'], indexes: [['n']] },
  ],
  methods: {
    put: method(Type.Object({ id: Type.String(), body: Type.String(), n: Type.Integer() }), (ctx, row) => {
      for (const table of ['large', 'small']) ctx.store.put(table, row);
    }),
    bump: method(Type.Object({ id: Type.String() }), (ctx, args) => {
      for (const table of ['large', 'small']) ctx.store.update(table, args.id, { n: 0 });
    }),
    remove: method(Type.Object({ id: Type.String() }), (ctx, args) => {
      for (const table of ['large', 'small']) ctx.store.delete(table, args.id);
    }),
  },
  queries: {
    rows: query(Type.Object({ table: Type.String() }), (ctx, args) =>
      ctx.store.select(`SELECT * FROM {${args.table === 'large' ? 'large' : 'small'}} ORDER BY n, id`),
    ),
    one: query(Type.Object({ table: Type.String(), id: Type.String() }), (ctx, args) => ctx.store.get(args.table, args.id) ?? null),
  },
});

test('a table of large rows keeps its rows in write order, and reads, writes and digests as any other', () => {
  const db = new Database(':memory:');
  const executor = new Executor({ db, subnetId: 'watan-dev', apps: [...coreApps, pagesApp] });
  const ddl = (name: string) =>
    (db.prepare('SELECT sql FROM sqlite_schema WHERE name = ?').get(`app_pages__${name}`) as { sql: string }).sql;
  assert.doesNotMatch(ddl('large'), /WITHOUT ROWID/);
  assert.match(ddl('small'), /WITHOUT ROWID/);

  const commands: Command[] = [];
  const add = (methodName: string, args: Record<string, string | number>) =>
    commands.push({ id: `c${commands.length}`, app: 'pages', method: methodName, args, caller: 't', time: commands.length });
  // Ids out of order, as random event ids are, with bodies of a kilobyte.
  const idOf = (i: number) => `$${((i * 7919) % 1000).toString(36)}x${i}`;
  for (let i = 0; i < 60; i++) add('put', { id: idOf(i), body: 'b'.repeat(1000 + i), n: i % 9 });
  for (let i = 0; i < 60; i += 4) add('bump', { id: idOf(i) });
  for (let i = 1; i < 60; i += 5) add('remove', { id: idOf(i) });
  add('put', { id: '$replaced', body: 'first', n: 1 });
  add('put', { id: '$replaced', body: 'second', n: 2 });
  executor.applyBlocks(chainBlocks('watan-dev', [commands.slice(0, 50), commands.slice(50)]));

  const rows = (table: string) => executor.query('pages', 'rows', { table }, 't');
  assert.equal((rows('large') as unknown[]).length, 60 - 12 + 1);
  assert.deepEqual(rows('large'), rows('small'));
  assert.deepEqual(executor.query('pages', 'one', { table: 'large', id: '$replaced' }, 't'), { id: '$replaced', body: 'second', n: 2 });
  assert.ok(executor.scanDigest().equals(executor.currentDigest()), 'the digest kept as rows were written equals a scan of them');
  const order = db.prepare('SELECT id FROM app_pages__large ORDER BY rowid LIMIT 3').all() as { id: string }[];
  assert.deepEqual(
    order.map((row) => row.id),
    [idOf(0), idOf(2), idOf(3)],
    'rows sit in the order they were first written (the second was removed)',
  );
});
