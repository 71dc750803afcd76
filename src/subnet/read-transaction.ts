import type Database from 'better-sqlite3';

/**
 * A group of reads (a sync answer makes a few dozen) shares one read transaction: one snapshot,
 * and the WAL's read lock taken once instead of once per statement — in WAL mode that lock is
 * several system calls on the shared-memory file, more than a small indexed read costs. The
 * transaction begins only when the first statement runs: a group answered wholly from what
 * the stores remember (a long-poll woken by a new message, usually) costs no SQL at all.
 */
export class ReadTransaction {
  private readonly db: Database.Database;
  private readonly begin: Database.Statement;
  private readonly commit: Database.Statement;
  private open = false;
  private begun = false;

  constructor(db: Database.Database) {
    this.db = db;
    this.begin = db.prepare('BEGIN');
    this.commit = db.prepare('COMMIT');
  }

  /** Runs `reads` in one read transaction; inside another (or the executor's write transaction), simply runs them. */
  run<T>(reads: () => T): T {
    if (this.open || this.db.inTransaction) return reads();
    this.open = true;
    try {
      return reads();
    } finally {
      this.open = false;
      if (this.begun) {
        this.begun = false;
        if (this.db.inTransaction) this.commit.run();
      }
    }
  }

  /** Called by a reading store before each statement it runs: the first one begins the transaction. */
  beforeStatement(): void {
    if (!this.open || this.begun) return;
    this.begin.run();
    this.begun = true;
  }
}
