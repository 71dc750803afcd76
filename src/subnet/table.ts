/**
 * How an app declares its tables. Column types are deliberately few: text, integer (safe
 * integers only) and blob, each optionally nullable (`text?`). Tables are STRICT, so SQLite
 * enforces the types too, and every value reads back exactly as written — which is what lets
 * a full scan reproduce the incremental digest.
 */
export type ColumnType = 'text' | 'integer' | 'blob' | 'text?' | 'integer?' | 'blob?';
export type SqlValue = string | number | Uint8Array | null;
export type Row = Record<string, SqlValue>;

export interface TableSpec {
  name: string;
  columns: Record<string, ColumnType>;
  primaryKey: readonly string[];
  indexes?: readonly (readonly string[])[];
  /**
   * Indexes over only the rows whose `notNull` column holds a value: a room's state events
   * among all its events. A row outside one costs its write nothing there. Queries use one
   * when their WHERE says the column is not null (`= ?` says so too). One replaces a full
   * index on the same columns, which a database made before it is declared loses.
   */
  partialIndexes?: readonly { columns: readonly string[]; notNull: string }[];
  /**
   * Rows of a kilobyte or so (a stored event). Such a table keeps its rows in the order they
   * were written, with the primary key as a separate index, instead of in the primary key's
   * order: rows sorted by a random key (an event id) land all over the file, so every write
   * touched — and every commit rewrote — a page of big rows. In a benchmark of the messenger's
   * events (checkpoints off the committing connection), a commit cost a third as much a row. Only the file's layout differs, not what the
   * table holds or what queries see.
   */
  largeRows?: boolean;
}

export class TableSpecError extends Error {
  override name = 'TableSpecError';
}

const IDENTIFIER = /^[a-z][a-z0-9_]{0,62}$/;

export function assertIdentifier(kind: string, name: string): void {
  if (!IDENTIFIER.test(name)) throw new TableSpecError(`${kind} "${name}" must be lower-case letters, digits and _`);
}

export function physicalTableName(app: string, table: string): string {
  return `app_${app}__${table}`;
}

/** The statements that make one table and its indexes, validated. */
export function tableDdl(app: string, spec: TableSpec): string[] {
  return [createTableDdl(app, spec), ...indexDdl(app, spec)];
}

/** The CREATE TABLE statement for one table, validated. */
export function createTableDdl(app: string, spec: TableSpec): string {
  assertIdentifier('table', spec.name);
  const columns = Object.entries(spec.columns);
  if (columns.length === 0) throw new TableSpecError(`table ${spec.name} has no columns`);
  for (const [name] of columns) assertIdentifier('column', name);
  for (const key of spec.primaryKey) {
    if (!(key in spec.columns)) throw new TableSpecError(`table ${spec.name}: primary key column ${key} is not declared`);
  }
  const physical = physicalTableName(app, spec.name);
  const definitions = columns.map(([name, type]) => `${name} ${sqlType(type)}${type.endsWith('?') ? '' : ' NOT NULL'}`);
  return `CREATE TABLE IF NOT EXISTS ${physical} (${definitions.join(', ')}, PRIMARY KEY (${spec.primaryKey.join(', ')})) STRICT${spec.largeRows ? '' : ', WITHOUT ROWID'}`;
}

/** The statements that bring one table's indexes to what its spec declares, validated. */
export function indexDdl(app: string, spec: TableSpec): string[] {
  const physical = physicalTableName(app, spec.name);
  const declared = (columns: readonly string[]) => {
    for (const column of columns) {
      if (!(column in spec.columns)) throw new TableSpecError(`table ${spec.name}: index column ${column} is not declared`);
    }
    return columns;
  };
  const nameOf = (columns: readonly string[]) => `${physical}__${declared(columns).join('_')}`;
  const ddl = (spec.indexes ?? []).map((index) => `CREATE INDEX IF NOT EXISTS ${nameOf(index)} ON ${physical} (${index.join(', ')})`);
  for (const { columns, notNull } of spec.partialIndexes ?? []) {
    const whole = nameOf(columns);
    declared([notNull]);
    if (spec.indexes?.some((index) => nameOf(index) === whole)) {
      throw new TableSpecError(`table ${spec.name}: index ${columns.join(', ')} is declared both whole and partial`);
    }
    ddl.push(`DROP INDEX IF EXISTS ${whole}`);
    ddl.push(`CREATE INDEX IF NOT EXISTS ${whole}__where_${notNull} ON ${physical} (${columns.join(', ')}) WHERE ${notNull} IS NOT NULL`);
  }
  return ddl;
}

function sqlType(type: ColumnType): string {
  const base = type.replace('?', '');
  return base === 'text' ? 'TEXT' : base === 'integer' ? 'INTEGER' : 'BLOB';
}

/** Checks a row against its table before it is written; the message names the bad column. */
export function validateRow(spec: TableSpec, row: Row): void {
  for (const name of Object.keys(row)) {
    if (!(name in spec.columns)) throw new TableSpecError(`table ${spec.name} has no column ${name}`);
  }
  for (const [name, type] of Object.entries(spec.columns)) {
    const value = row[name];
    if (value === null || value === undefined) {
      if (!type.endsWith('?')) throw new TableSpecError(`table ${spec.name}: column ${name} may not be null`);
      continue;
    }
    const base = type.replace('?', '');
    const fits =
      base === 'text' ? typeof value === 'string' : base === 'integer' ? Number.isSafeInteger(value) : value instanceof Uint8Array;
    if (!fits) throw new TableSpecError(`table ${spec.name}: column ${name} must be ${base}, got ${describe(value)}`);
  }
}

function describe(value: unknown): string {
  return typeof value === 'number' ? `the number ${value}` : typeof value;
}

/**
 * The bytes a row contributes to the state digest: app, table and every column value in
 * declared order, each tagged and length-prefixed so no two different rows share an encoding.
 * Tags: 0 null, 1 integer (8-byte signed), 2 text (4-byte length, UTF-8), 3 blob (4-byte length).
 */
export function encodeRowElement(app: string, spec: TableSpec, row: Row): Buffer {
  const columns = Object.keys(spec.columns);
  let size = 10 + Buffer.byteLength(app) + Buffer.byteLength(spec.name);
  for (const name of columns) size += encodedSize(row[name] ?? null);
  const out = Buffer.allocUnsafe(size);
  let offset = writeText(out, 0, app);
  offset = writeText(out, offset, spec.name);
  for (const name of columns) offset = writeValue(out, offset, row[name] ?? null);
  return out;
}

function encodedSize(value: SqlValue): number {
  if (value === null) return 1;
  if (typeof value === 'number') return 9;
  if (typeof value === 'string') return 5 + Buffer.byteLength(value);
  return 5 + value.byteLength;
}

function writeValue(out: Buffer, offset: number, value: SqlValue): number {
  if (value === null) return out.writeUInt8(0, offset);
  if (typeof value === 'number') {
    out[offset] = 1;
    return out.writeBigInt64BE(BigInt(value), offset + 1);
  }
  if (typeof value === 'string') return writeText(out, offset, value);
  out[offset] = 3;
  out.writeUInt32BE(value.byteLength, offset + 1);
  out.set(value, offset + 5);
  return offset + 5 + value.byteLength;
}

function writeText(out: Buffer, offset: number, text: string): number {
  out[offset] = 2;
  const length = out.write(text, offset + 5, 'utf8');
  out.writeUInt32BE(length, offset + 1);
  return offset + 5 + length;
}
