import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import Type from 'typebox';
import { AppError, type Command, coreApps, defineApp, Executor, method, query } from '../../src/subnet/index.ts';
import { chainBlocks } from '../fixtures/chain-blocks.ts';

/** How often the remembered read really went to the table. */
let reads = 0;

const notesApp = defineApp({
  name: 'notes',
  tables: [
    { name: 'notes', columns: { key: 'text', value: 'text' }, primaryKey: ['key'] },
    { name: 'other', columns: { key: 'text', value: 'text' }, primaryKey: ['key'] },
  ],
  methods: {
    set: method(Type.Object({ table: Type.String(), key: Type.String(), value: Type.String() }), (ctx, args) => {
      ctx.store.put(args.table, { key: args.key, value: args.value });
    }),
    /** Writes, reads the note back through the query (as a command may), then refuses: the write rolls back. */
    set_read_and_refuse: method(Type.Object({ key: Type.String(), value: Type.String() }), (ctx, args) => {
      ctx.store.put('notes', { key: args.key, value: args.value });
      assert.deepEqual(ctx.query('notes', 'note', { key: args.key }), { value: args.value }, 'the command sees its own write');
      throw new AppError('REFUSED', 'changed my mind');
    }),
  },
  queries: {
    note: query(Type.Object({ key: Type.String() }), (ctx, args) =>
      ctx.store.remembered('note', args.key, ['notes'], () => {
        reads += 1;
        const row = ctx.store.get<{ key: string; value: string }>('notes', args.key);
        return row ? { value: row.value } : null;
      }),
    ),
  },
});

function executorWithNotes(): { apply(...commands: [string, Record<string, string>][]): void; note(key: string): unknown } {
  const executor = new Executor({ db: new Database(':memory:'), subnetId: 'watan-dev', apps: [...coreApps, notesApp] });
  const history: Command[][] = [];
  return {
    apply(...commands) {
      const n = history.flat().length;
      history.push(commands.map(([name, args], i) => ({ id: `c${n + i}`, app: 'notes', method: name, args, caller: 't', time: n + i })));
      const next = chainBlocks('watan-dev', history).at(-1);
      assert.ok(next);
      executor.applyBlocks([next]);
    },
    note: (key) => executor.query('notes', 'note', { key }, 't'),
  };
}

test('a remembered value is read once, and again only after its own table is written', () => {
  const notes = executorWithNotes();
  notes.apply(['set', { table: 'notes', key: 'a', value: '1' }]);
  reads = 0;
  assert.deepEqual([notes.note('a'), notes.note('a'), notes.note('a')], [{ value: '1' }, { value: '1' }, { value: '1' }]);
  assert.equal(reads, 1, 'asked three times, read once');

  notes.apply(['set', { table: 'other', key: 'a', value: 'x' }]);
  assert.deepEqual(notes.note('a'), { value: '1' });
  assert.equal(reads, 1, 'a write to another table keeps it');

  notes.apply(['set', { table: 'notes', key: 'b', value: '2' }]);
  assert.deepEqual(notes.note('a'), { value: '1' });
  assert.equal(reads, 2, 'a write to its table, even another row, reads it again');

  notes.apply(['set', { table: 'notes', key: 'a', value: '3' }]);
  assert.deepEqual(notes.note('a'), { value: '3' }, 'the new value, not the remembered one');
  assert.throws(() => {
    (notes.note('a') as { value: string }).value = 'mutated';
  }, TypeError);
  assert.deepEqual(notes.note('a'), { value: '3' }, 'a caller cannot change what the next one is told');
});

test('what a command read of its own write is never remembered past its rollback', () => {
  const notes = executorWithNotes();
  notes.apply(['set', { table: 'notes', key: 'a', value: 'kept' }]);
  assert.deepEqual(notes.note('a'), { value: 'kept' });
  notes.apply(['set_read_and_refuse', { key: 'a', value: 'rolled back' }]);
  assert.deepEqual(notes.note('a'), { value: 'kept' });
});
