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

/** The CREATE statements for one table, validated. */
export function tableDdl(app: string, spec: TableSpec): string[] {
  assertIdentifier('table', spec.name);
  const columns = Object.entries(spec.columns);
  if (columns.length === 0) throw new TableSpecError(`table ${spec.name} has no columns`);
  for (const [name] of columns) assertIdentifier('column', name);
  for (const key of spec.primaryKey) {
    if (!(key in spec.columns)) throw new TableSpecError(`table ${spec.name}: primary key column ${key} is not declared`);
  }
  const physical = physicalTableName(app, spec.name);
  const definitions = columns.map(([name, type]) => `${name} ${sqlType(type)}${type.endsWith('?') ? '' : ' NOT NULL'}`);
  const ddl = [
    `CREATE TABLE IF NOT EXISTS ${physical} (${definitions.join(', ')}, PRIMARY KEY (${spec.primaryKey.join(', ')})) STRICT, WITHOUT ROWID`,
  ];
  for (const index of spec.indexes ?? []) {
    for (const column of index) {
      if (!(column in spec.columns)) throw new TableSpecError(`table ${spec.name}: index column ${column} is not declared`);
    }
    ddl.push(`CREATE INDEX IF NOT EXISTS ${physical}__${index.join('_')} ON ${physical} (${index.join(', ')})`);
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
 */
export function encodeRowElement(app: string, spec: TableSpec, row: Row): Buffer {
  const parts: Buffer[] = [encodeText(app), encodeText(spec.name)];
  for (const name of Object.keys(spec.columns)) parts.push(encodeValue(row[name] ?? null));
  return Buffer.concat(parts);
}

function encodeValue(value: SqlValue): Buffer {
  if (value === null) return Buffer.from([0]);
  if (typeof value === 'number') {
    const bytes = Buffer.alloc(9);
    bytes[0] = 1;
    bytes.writeBigInt64BE(BigInt(value), 1);
    return bytes;
  }
  if (typeof value === 'string') return encodeText(value);
  return tagged(3, Buffer.from(value.buffer, value.byteOffset, value.byteLength));
}

function encodeText(text: string): Buffer {
  return tagged(2, Buffer.from(text, 'utf8'));
}

function tagged(tag: number, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head[0] = tag;
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}
