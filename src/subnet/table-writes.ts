/**
 * How often each app table was written in this process, and whether the executor is applying
 * blocks. A value read from some tables outside the executor stays true while their counts
 * stand, so a query may keep it (`AppStore.remembered`). Nothing is kept while blocks are
 * applied: a command's writes may still be rolled back, and a count never goes back.
 */
export class TableWrites {
  applying = false;
  private readonly counts = new Map<string, number>();

  wrote(app: string, table: string): void {
    const key = `${app}.${table}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  count(app: string, table: string): number {
    return this.counts.get(`${app}.${table}`) ?? 0;
  }
}
