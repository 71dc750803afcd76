import Database from 'better-sqlite3';

export interface SqliteOptions {
  /**
   * FULL fsyncs every commit (survives power loss); NORMAL in WAL mode survives a process
   * crash but may lose the last commits on power loss. The log uses FULL; derived state,
   * which is rebuilt from the log, may use NORMAL.
   */
  synchronous: 'FULL' | 'NORMAL';
  readonly?: boolean;
}

/** Opens a SQLite database with the settings every Watan database shares. */
export function openSqlite(path: string, options: SqliteOptions): Database.Database {
  const db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  if (!options.readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous}`);
  }
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  return db;
}
