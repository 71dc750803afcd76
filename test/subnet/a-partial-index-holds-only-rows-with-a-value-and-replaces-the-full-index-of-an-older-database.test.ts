import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import Type from 'typebox';
import { coreApps, defineApp, Executor, query } from '../../src/subnet/index.ts';
import { type TableSpec, TableSpecError, tableDdl } from '../../src/subnet/table.ts';

const notes: TableSpec = {
  name: 'notes',
  columns: { id: 'text', topic: 'text', tag: 'text?', n: 'integer' },
  primaryKey: ['id'],
  indexes: [['n']],
  partialIndexes: [{ columns: ['topic', 'tag', 'n'], notNull: 'tag' }],
};

const notesApp = defineApp({
  name: 'notes',
  tables: [notes],
  methods: {},
  queries: {
    tagged: query(Type.Object({ topic: Type.String(), tag: Type.String() }), (ctx, args) =>
      ctx.store.select('SELECT id FROM {notes} WHERE topic = ? AND tag = ? ORDER BY n', args.topic, args.tag),
    ),
  },
});

const PARTIAL = 'app_notes__notes__topic_tag_n__where_tag';
const FULL = 'app_notes__notes__topic_tag_n';

const indexesOf = (db: Database.Database) =>
  (
    db
      .prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'app_notes__notes' AND sql IS NOT NULL ORDER BY name")
      .all() as { name: string }[]
  ).map((row) => row.name);

test('a partial index holds only the rows whose column has a value, and the queries that name a value use it', () => {
  const db = new Database(':memory:');
  for (const ddl of tableDdl('notes', notes)) db.exec(ddl);
  const insert = db.prepare('INSERT INTO app_notes__notes (id, topic, tag, n) VALUES (?, ?, ?, ?)');
  for (let i = 0; i < 20; i++) insert.run(`note${i}`, 'news', i % 5 === 0 ? 'pinned' : null, i);
  assert.deepEqual(indexesOf(db), ['app_notes__notes__n', PARTIAL]);
  // ANALYZE counts each index's entries: the first number of its stat.
  db.exec('ANALYZE');
  const stat = db.prepare('SELECT stat FROM sqlite_stat1 WHERE idx = ?').get(PARTIAL) as { stat: string };
  assert.equal(stat.stat.split(' ')[0], '4');
  const plan = db
    .prepare('EXPLAIN QUERY PLAN SELECT id FROM app_notes__notes WHERE topic = ? AND tag = ? ORDER BY n')
    .all('news', 'pinned') as {
    detail: string;
  }[];
  assert.match(plan.map((step) => step.detail).join(' '), new RegExp(`USING (COVERING )?INDEX ${PARTIAL} `));
});

test('a database made when the index was whole has it replaced by the partial one, and answers the same', () => {
  const db = new Database(':memory:');
  // As an earlier version made it: the same columns, every row indexed.
  for (const ddl of tableDdl('notes', { ...notes, indexes: [['n'], ['topic', 'tag', 'n']], partialIndexes: [] })) db.exec(ddl);
  db.prepare('INSERT INTO app_notes__notes (id, topic, tag, n) VALUES (?, ?, ?, ?)').run('old', 'news', 'pinned', 1);
  assert.deepEqual(indexesOf(db), ['app_notes__notes__n', FULL]);

  const executor = new Executor({ db, subnetId: 'watan-dev', apps: [...coreApps, notesApp] });
  assert.deepEqual(indexesOf(db), ['app_notes__notes__n', PARTIAL]);
  assert.deepEqual(executor.query('notes', 'tagged', { topic: 'news', tag: 'pinned' }, 'reader'), [{ id: 'old' }]);
});

test('an index declared both whole and partial is refused', () => {
  assert.throws(
    () => tableDdl('notes', { ...notes, indexes: [['topic', 'tag', 'n']] }),
    (error: unknown) => error instanceof TableSpecError && /declared both whole and partial/.test(error.message),
  );
  assert.throws(
    () => tableDdl('notes', { ...notes, partialIndexes: [{ columns: ['topic'], notNull: 'missing' }] }),
    (error: unknown) => error instanceof TableSpecError && /missing is not declared/.test(error.message),
  );
});
