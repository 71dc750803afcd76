/**
 * How often each app table was written in this process, and whether the executor is applying
 * blocks. A value read from some tables outside the executor stays true while their counts
 * stand, so a query may keep it (`AppStore.remembered`). Nothing is kept while blocks are
 * applied: a command's writes may still be rolled back, and a count never goes back.
 */
export class TableWrites {
  applying = false;
  private readonly cells = new Map<string, WriteCount>();

  /** The count of one table's writes, as a cell its stores keep: reading and bumping it is then no lookup. */
  of(app: string, table: string): WriteCount {
    const key = `${app}.${table}`;
    let cell = this.cells.get(key);
    if (!cell) {
      cell = { count: 0 };
      this.cells.set(key, cell);
    }
    return cell;
  }
}

export interface WriteCount {
  count: number;
}
