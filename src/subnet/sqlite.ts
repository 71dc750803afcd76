import { closeSync, openSync } from 'node:fs';
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
  // Created private: SQLite gives its -wal and -shm files the database file's permissions.
  if (!options.readonly) closeSync(openSync(path, 'a', 0o600));
  const db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  if (!options.readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous}`);
  }
  db.pragma('foreign_keys = ON');
  // 64 MiB of page cache: the working set of a busy node's indexes, kept out of the OS cache.
  db.pragma('cache_size = -65536');
  db.pragma('busy_timeout = 5000');
  return db;
}

export interface SqliteSettings {
  journalMode: string;
  synchronous: string;
}

/** A connection's durability settings as SQLite reports them (they are per connection). */
export function sqliteSettings(db: Database.Database): SqliteSettings {
  const journalMode = String(db.pragma('journal_mode', { simple: true })).toUpperCase();
  const level = Number(db.pragma('synchronous', { simple: true }));
  return { journalMode, synchronous: ['OFF', 'NORMAL', 'FULL', 'EXTRA'][level] ?? `level ${level}` };
}
