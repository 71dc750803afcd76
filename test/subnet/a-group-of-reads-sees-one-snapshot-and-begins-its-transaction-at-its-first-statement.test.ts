import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Type from 'typebox';
import { type Command, coreApps, defineApp, Executor, method, openSqlite, query } from '../../src/subnet/index.ts';
import { chainBlocks } from '../fixtures/chain-blocks.ts';

const notesApp = defineApp({
  name: 'notes',
  tables: [{ name: 'notes', columns: { key: 'text', value: 'text' }, primaryKey: ['key'] }],
  methods: {
    set: method(Type.Object({ key: Type.String(), value: Type.String() }), (ctx, args) => {
      ctx.store.put('notes', { key: args.key, value: args.value });
    }),
  },
  queries: {
    note: query(Type.Object({ key: Type.String() }), (ctx, args) => ctx.store.get<{ value: string }>('notes', args.key)?.value ?? null),
    remembered_note: query(Type.Object({ key: Type.String() }), (ctx, args) =>
      ctx.store.remembered('note', args.key, ['notes'], () => ctx.store.get<{ value: string }>('notes', args.key)?.value ?? null),
    ),
  },
});

const dir = mkdtempSync(join(tmpdir(), 'watan-read-transaction-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function notesNode() {
  const path = join(dir, `${Math.random().toString(36).slice(2)}.sqlite`);
  const db = openSqlite(path, { synchronous: 'NORMAL' });
  const executor = new Executor({ db, subnetId: 'watan-dev', apps: [...coreApps, notesApp] });
  const commands: Command[] = [{ id: 'c0', app: 'notes', method: 'set', args: { key: 'a', value: '1' }, caller: 't', time: 1 }];
  executor.applyBlocks(chainBlocks('watan-dev', [commands]));
  // Another process writing the same file, as nothing but a test would: it shows which snapshot a read sees.
  const other = openSqlite(path, { synchronous: 'NORMAL' });
  const ask = (name: string) => executor.query('notes', name, { key: 'a' }, 't');
  return { db, executor, other, ask };
}

test('the reads of one group see one moment of the state, whatever is committed meanwhile', () => {
  const { executor, other, ask } = notesNode();
  const seen = executor.read(() => {
    const before = ask('note');
    other.prepare("UPDATE app_notes__notes SET value = '2' WHERE key = 'a'").run();
    return [before, ask('note')];
  });
  assert.deepEqual(seen, ['1', '1'], 'the second read is of the same snapshot as the first');
  assert.equal(ask('note'), '2', 'a later group sees the commit');
});

test('a group answered from what the store remembers opens no transaction; the first statement opens it, and it ends with the group', () => {
  const { db, executor, ask } = notesNode();
  assert.equal(ask('remembered_note'), '1');
  executor.read(() => {
    assert.equal(db.inTransaction, false, 'nothing is begun before a statement runs');
    assert.equal(ask('remembered_note'), '1');
    assert.equal(db.inTransaction, false, 'a remembered answer runs no statement');
    assert.equal(ask('note'), '1');
    assert.equal(db.inTransaction, true, 'the first statement began the read transaction');
  });
  assert.equal(db.inTransaction, false, 'the group ended it');
});

test('a group that throws still ends its transaction', () => {
  const { db, executor, ask } = notesNode();
  assert.throws(() =>
    executor.read(() => {
      ask('note');
      throw new Error('the reader failed');
    }),
  );
  assert.equal(db.inTransaction, false);
});
