/** How many woken syncs are answered in one turn of the event loop before it reads anything else. */
export const WAKE_BATCH = 64;

/**
 * Readers before writers, in bounded turns. The syncs a change wakes are answered at most
 * `batch` in a turn of the event loop: the first turn is the one that applied the change, and
 * between turns the loop reads what else came in, so a block that concerns thousands of readers
 * does not hold every other request (timers, connections, syncs of other rooms) for its whole
 * length. A command that arrives meanwhile is held until every sync woken before it arrived
 * has been answered: a reader whose events are ready is answered before more writes are taken,
 * and a writer waits for at most the readers already woken, never for later ones.
 */
export class ReadersFirst {
  private readonly batch: number;
  private readonly queue: (() => void)[] = [];
  /** Wakes queued and wakes carried out since the start; a held command waits for `answered` to reach its mark. */
  private queued = 0;
  private answered = 0;
  private readonly held: { upTo: number; admit: () => void }[] = [];
  private scheduled = false;

  constructor(batch = WAKE_BATCH) {
    this.batch = batch;
  }

  /** Woken syncs not yet answered. */
  get pending(): number {
    return this.queue.length;
  }

  /** Queues the wakes; the first batch runs now, in the turn that saw the change. */
  wake(wakes: Iterable<() => void>): void {
    for (const wake of wakes) {
      this.queue.push(wake);
      this.queued += 1;
    }
    if (!this.scheduled) this.answerBatch();
  }

  /**
   * Waits until the syncs woken so far have been answered; a command goes to the log only then.
   * Undefined when nothing is waiting to be answered, so a quiet node adds no turn to a write.
   */
  admitted(): Promise<void> | undefined {
    if (this.queue.length === 0) return undefined;
    const upTo = this.queued;
    return new Promise((admit) => this.held.push({ upTo, admit }));
  }

  /** Answers everyone queued and admits every held command at once (the node is closing). */
  flush(): void {
    while (this.queue.length > 0) this.answerBatch();
  }

  private answerBatch(): void {
    this.scheduled = false;
    for (const wake of this.queue.splice(0, this.batch)) {
      this.answered += 1;
      wake();
    }
    // A resolved wake continues in this turn's microtasks, before anything is read again; a
    // command admitted here is submitted after them.
    while (this.held.length > 0 && (this.held[0] as { upTo: number }).upTo <= this.answered) this.held.shift()?.admit();
    if (this.queue.length > 0) {
      this.scheduled = true;
      setImmediate(() => this.answerBatch());
    }
  }
}

const gates = new WeakMap<object, ReadersFirst>();

/** The one gate of a replica (its subnet): the notifier queues wakes on it and the messenger's writes wait on it. */
export function readersFirstOf(subnet: object): ReadersFirst {
  let gate = gates.get(subnet);
  if (!gate) {
    gate = new ReadersFirst();
    gates.set(subnet, gate);
  }
  return gate;
}
