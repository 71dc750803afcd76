import type Database from 'better-sqlite3';
import type { DigestSink } from './digest.ts';
import { encodeRowElement, physicalTableName, type Row, type SqlValue, type TableSpec, TableSpecError, validateRow } from './table.ts';
import type { TableWrites, WriteCount } from './table-writes.ts';

export class StoreError extends Error {
  override name = 'StoreError';
}

type Key = SqlValue | Row;

/** Values one `remembered` name keeps at most; past it they are dropped and read again. */
const MAX_REMEMBERED = 100_000;

function unchanged(tables: readonly WriteCount[], counts: readonly number[]): boolean {
  for (let i = 0; i < tables.length; i++) if ((tables[i] as WriteCount).count !== counts[i]) return false;
  return true;
}

/** Open only while the executor runs an app method. */
export interface WriteGate {
  open: boolean;
}

interface TableStatements {
  spec: TableSpec;
  get: Database.Statement;
  /** Refuses a row whose key is taken (SQLITE_CONSTRAINT_PRIMARYKEY). */
  insert: Database.Statement;
  upsert: Database.Statement;
  remove: Database.Statement;
  /** Bumped at every write, when the store counts writes. */
  writes: WriteCount | undefined;
}

/** What one `remembered` name keeps: the write counts of its tables, and values with the counts they were read at. */
interface Remembered {
  tables: readonly WriteCount[];
  values: Map<string, { counts: number[]; value: unknown }>;
}

/**
 * An app's only way to its data. Reads may be any read-only SQL over the app's own tables
 * (named `{table}` in the text); writes are whole rows by primary key, so the store knows
 * every row that changes and keeps the state digest exact. A store without a digest is
 * read-only: it serves queries outside the executor.
 */
export class AppStore {
  private readonly tables = new Map<string, TableStatements>();
  private readonly selects = new Map<string, Database.Statement>();
  private readonly db: Database.Database;
  private readonly digest: DigestSink | null;
  private readonly gate: WriteGate | undefined;
  private readonly writes: TableWrites | undefined;
  private readonly beforeRead: (() => void) | undefined;
  private readonly remembers = new Map<string, Remembered>();
  readonly app: string;

  /**
   * `gate` says when writes are allowed: only while the executor runs one of this app's
   * methods, so a store kept past its method (or written to after an `await`) cannot write
   * outside the command's transaction. `writes` counts the writes to each table, shared by an
   * app's writing and reading stores, so that what a query remembers is dropped when its tables change.
   * `beforeRead` runs before each statement a read runs (a reading store's ReadTransaction).
   */
  constructor(
    db: Database.Database,
    app: string,
    specs: readonly TableSpec[],
    digest: DigestSink | null,
    options: { gate?: WriteGate; writes?: TableWrites; beforeRead?: () => void } = {},
  ) {
    this.db = db;
    this.app = app;
    this.digest = digest;
    this.gate = options.gate;
    this.writes = options.writes;
    this.beforeRead = options.beforeRead;
    for (const spec of specs) {
      const physical = physicalTableName(app, spec.name);
      const columns = Object.keys(spec.columns);
      const where = spec.primaryKey.map((key) => `${key} = @${key}`).join(' AND ');
      const updates = columns.filter((c) => !spec.primaryKey.includes(c)).map((c) => `${c} = excluded.${c}`);
      const conflict = updates.length > 0 ? `DO UPDATE SET ${updates.join(', ')}` : 'DO NOTHING';
      const insert = `INSERT INTO ${physical} (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`;
      this.tables.set(spec.name, {
        spec,
        get: db.prepare(`SELECT ${columns.join(', ')} FROM ${physical} WHERE ${where}`),
        insert: db.prepare(insert),
        upsert: db.prepare(`${insert} ON CONFLICT (${spec.primaryKey.join(', ')}) ${conflict}`),
        remove: db.prepare(`DELETE FROM ${physical} WHERE ${where}`),
        writes: this.writes?.of(app, spec.name),
      });
    }
  }

  get<T extends Row = Row>(table: string, key: Key): T | undefined {
    const statements = this.table(table);
    this.beforeRead?.();
    return statements.get.get(this.keyParams(statements.spec, key)) as T | undefined;
  }

  /** Inserts the row, or replaces the row with the same primary key. */
  put(table: string, row: Row): void {
    const statements = this.writable(table);
    const full = this.completed(statements.spec, row);
    this.write(statements, full, statements.get.get(this.keyParams(statements.spec, full)) as Row | undefined);
  }

  /** Inserts a row that must not exist yet. */
  insert(table: string, row: Row): void {
    const statements = this.writable(table);
    const full = this.completed(statements.spec, row);
    // The insert itself finds a taken key: no lookup before it.
    try {
      statements.insert.run(full);
    } catch (error) {
      if ((error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new StoreError(`${table}: a row with this primary key already exists`);
      }
      throw error;
    }
    this.wrote(statements, full);
  }

  /** Changes some columns of an existing row; returns the row as written. */
  update<T extends Row = Row>(table: string, key: Key, changes: Row): T {
    const statements = this.writable(table);
    const old = statements.get.get(this.keyParams(statements.spec, key)) as Row | undefined;
    if (!old) throw new StoreError(`${table}: no row with this primary key to update`);
    const row = { ...old, ...changes };
    // A change of key moves the row: whatever is stored under the new key is what it replaces.
    if (statements.spec.primaryKey.some((column) => Object.hasOwn(changes, column))) {
      this.put(table, row);
      return row as T;
    }
    this.write(statements, this.completed(statements.spec, row), old);
    return row as T;
  }

  /** Deletes the row with this primary key; false when there was none. */
  delete(table: string, key: Key): boolean {
    const statements = this.writable(table);
    const params = this.keyParams(statements.spec, key);
    const old = statements.get.get(params) as Row | undefined;
    if (!old) return false;
    statements.remove.run(params);
    if (statements.writes) statements.writes.count += 1;
    this.digest?.remove(encodeRowElement(this.app, statements.spec, old));
    return true;
  }

  /**
   * The value `read` works out from `tables` for `key`, kept until one of those tables is
   * written: for the lookups every request repeats (who holds a token, a device's key counts).
   * `read` must read nothing but `tables`. The value is shared by every caller, so it is frozen.
   * While the executor applies blocks nothing is kept (their writes may yet roll back).
   */
  remembered<T>(name: string, key: string, tables: readonly string[], read: () => T): T {
    if (!this.writes || this.writes.applying) return read();
    let kept = this.remembers.get(name);
    if (!kept) {
      // A name that is not a table would never be written, so what it guards would never be read again.
      kept = { tables: tables.map((table) => this.table(table).writes as WriteCount), values: new Map() };
      this.remembers.set(name, kept);
    }
    const known = kept.values.get(key);
    if (known && unchanged(kept.tables, known.counts)) return known.value as T;
    const counts = kept.tables.map((cell) => cell.count);
    const value = read();
    if (value !== null && typeof value === 'object') Object.freeze(value);
    if (kept.values.size >= MAX_REMEMBERED && !kept.values.has(key)) kept.values.clear();
    kept.values.set(key, { counts, value });
    return value;
  }

  /** Runs read-only SQL over this app's tables; `{name}` stands for the app's table `name`. */
  select<T = Row>(sql: string, ...params: unknown[]): T[] {
    const statement = this.prepareSelect(sql);
    this.beforeRead?.();
    return statement.all(...params) as T[];
  }

  selectOne<T = Row>(sql: string, ...params: unknown[]): T | undefined {
    const statement = this.prepareSelect(sql);
    this.beforeRead?.();
    return statement.get(...params) as T | undefined;
  }

  private prepareSelect(sql: string): Database.Statement {
    let statement = this.selects.get(sql);
    if (!statement) {
      const physical = sql.replace(/\{([a-z][a-z0-9_]*)\}/g, (_, name: string) => {
        if (!this.tables.has(name)) throw new StoreError(`app ${this.app} has no table ${name}`);
        return physicalTableName(this.app, name);
      });
      this.assertOwnTablesOnly(physical);
      statement = this.db.prepare(physical);
      if (!statement.readonly || !statement.reader)
        throw new StoreError('select() runs read-only queries only; write through put/insert/update/delete');
      this.selects.set(sql, statement);
    }
    return statement;
  }

  /**
   * An app reads its own tables and nothing else: not another app's, not the executor's
   * bookkeeping (which differs between replicas), not the schema. Checked on the SQL text,
   * conservatively: quoted identifiers are refused outright.
   */
  private assertOwnTablesOnly(sql: string): void {
    const code = sql.replace(/'(?:[^']|'')*'/g, "''");
    if (/["`[]/.test(code)) throw new StoreError(`app ${this.app}: select() takes no quoted identifiers; name tables as {table}`);
    const own = `app_${this.app}__`;
    const schema = this.schemaNames();
    for (const [word] of code.matchAll(/[A-Za-z_][A-Za-z0-9_$]*/g)) {
      const name = word.toLowerCase();
      const foreign = name.startsWith('sqlite_') || name.startsWith('pragma_') || (schema.has(name) && !name.startsWith(own));
      if (foreign) throw new StoreError(`app ${this.app}: select() may read only the app's own tables, not ${word}`);
    }
  }

  private schemaNames(): Set<string> {
    const rows = this.db.prepare<[], { name: string }>('SELECT name FROM sqlite_schema').all();
    return new Set(rows.map((row) => row.name.toLowerCase()));
  }

  /** Writes `full` over `old` (the row now stored under its key, if any), keeping the digest and the write counts. */
  private write(statements: TableStatements, full: Row, old: Row | undefined): void {
    if (old) this.digest?.remove(encodeRowElement(this.app, statements.spec, old));
    statements.upsert.run(full);
    this.wrote(statements, full);
  }

  /** Counts a write of `full` (now stored) and adds it to the digest. */
  private wrote(statements: TableStatements, full: Row): void {
    if (statements.writes) statements.writes.count += 1;
    this.digest?.add(encodeRowElement(this.app, statements.spec, full));
  }

  private table(name: string): TableStatements {
    const statements = this.tables.get(name);
    if (!statements) throw new StoreError(`app ${this.app} has no table ${name}`);
    return statements;
  }

  private writable(name: string): TableStatements {
    if (!this.digest) throw new StoreError(`app ${this.app}: this store is read-only; writes happen only in update methods`);
    if (this.gate && !this.gate.open) {
      throw new StoreError(`app ${this.app}: a write after its method returned; app methods are synchronous and write only while they run`);
    }
    return this.table(name);
  }

  private keyParams(spec: TableSpec, key: Key): Row {
    if (key !== null && typeof key === 'object' && !(key instanceof Uint8Array)) {
      const params: Row = {};
      for (const column of spec.primaryKey) {
        if (key[column] === undefined) throw new TableSpecError(`${spec.name}: key is missing primary key column ${column}`);
        params[column] = key[column] as SqlValue;
      }
      return params;
    }
    if (spec.primaryKey.length !== 1) throw new TableSpecError(`${spec.name} has a composite primary key; pass an object`);
    return { [spec.primaryKey[0] as string]: key };
  }

  /**
   * The row as it will be written, checked against its table: missing nullable columns are
   * written as null, so a row always binds every column.
   */
  private completed(spec: TableSpec, row: Row): Row {
    const full: Row = {};
    for (const column of Object.keys(spec.columns)) full[column] = row[column] ?? null;
    for (const column of Object.keys(row)) if (!(column in spec.columns)) full[column] = row[column] as SqlValue;
    validateRow(spec, full);
    return full;
  }
}
